import { describe, expect, it } from 'vitest';
import { cliWorld, GARMIN_EMAIL, linkAccount, run } from './cli.js';

const ago = (minutes: number) => new Date(Math.floor((Date.now() - minutes * 60_000) / 1000) * 1000);

describe('wg-sync held', () => {
  it('sync holds the ambiguous weigh-in; held list shows it; assign writes it with its own instant; dismiss forgets', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const takenAt = ago(20);
    const guest = world.withings.addWeighIn(world.userId, {
      takenAt,
      weightKg: 64.1,
      fatPercent: 24.4,
      attrib: 1,
    });
    const other = world.withings.addWeighIn(world.userId, { takenAt: ago(10), weightKg: 58.2, attrib: 1 });
    const id = `${world.userId}-${guest.groupIds[0]}`;
    const otherId = `${world.userId}-${other.groupIds[0]}`;

    const synced = await run(['sync'], world.env);
    expect(synced.code).toBe(0);
    expect(synced.stdout).toContain(`ambiguous  held: wg-sync held assign|dismiss ${id}`);

    const listed = await run(['held', 'list'], world.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${id}  ${takenAt.toISOString()}  64.1 kg  fatPercent 24.4`);
    expect(listed.stdout).toContain('this was me: wg-sync held assign <id>');
    const asJson = JSON.parse((await run(['held', 'list', '--json'], world.env)).stdout);
    expect(asJson).toMatchObject([
      { id, userId: world.userId, weightKg: 64.1, reason: 'ambiguous', fields: { fatPercent: 24.4 } },
      { id: otherId },
    ]);

    const assigned = await run(['held', 'assign', id], world.env);
    expect(assigned.code).toBe(0);
    expect(assigned.stdout).toContain(`${id} assigned: no longer held`);
    expect(world.garmin.weighIns(GARMIN_EMAIL)).toMatchObject([
      { timestampGMT: takenAt.getTime(), weight: 64100, bodyFat: 24.4 },
    ]);

    const dismissed = await run(['held', 'dismiss', otherId], world.env);
    expect(dismissed).toMatchObject({ code: 0, stdout: expect.stringContaining(`${otherId} dismissed`) });
    expect((await run(['held'], world.env)).stdout).toContain('nothing is held');

    const unknown = await run(['held', 'assign', `${world.userId}-1`], world.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no held weigh-in .*\n.*fix: wg-sync held list/);
    const gone = await run(['held', 'assign', otherId], world.env);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('no longer held (dismissed)');
    expect(world.garmin.weighIns(GARMIN_EMAIL)).toHaveLength(1);
  });
});
