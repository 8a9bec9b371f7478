import { startIntervalsSim } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliWorld, linkAccount, run } from './cli.js';

async function withIntervals() {
  const world = await cliWorld();
  await linkAccount(world);
  const intervals = await startIntervalsSim({ athletes: [{ id: 'i777', timezone: 'America/Denver' }] });
  onTestFinished(() => intervals.close());
  return { world, intervals, env: { ...world.env, INTERVALS_BASE_URL: intervals.url } };
}

describe('wg-sync intervals link / unlink', () => {
  it('checks the key with a real call, stores it, and the next sync writes the day there too', async () => {
    const { world, intervals, env } = await withIntervals();
    const key = intervals.athlete.apiKey;
    // The key on stdin (a terminal would ask for it hidden), the athlete as a flag.
    const linked = await run(['intervals', 'link', '--athlete', 'i777'], env, `${key}\n`);
    expect(linked.code, linked.stderr).toBe(0);
    expect(linked.stdout).toContain('intervals.icu athlete i777 linked to Withings user');
    expect(linked.stdout).toContain('America/Denver');
    expect(intervals.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /api/v1/athlete/i777 200',
    ]);

    const accounts = await run(['accounts', 'list'], env);
    expect(accounts.stdout).toContain('intervals.icu ok');

    world.withings.addWeighIn(world.userId, { takenAt: new Date(Date.now() - 10 * 60_000), weightKg: 72.4 });
    const synced = await run(['sync', '--json'], env);
    expect(synced.code, synced.stderr).toBe(0);
    expect(intervals.wellness('i777')).toMatchObject([{ id: intervals.today('i777'), weight: 72.4 }]);

    for (const output of [linked, accounts, synced]) {
      for (const secret of intervals.secrets()) {
        expect(output.stdout).not.toContain(secret);
        expect(output.stderr).not.toContain(secret);
      }
    }

    const unlinked = await run(['intervals', 'unlink'], env);
    expect(unlinked.code, unlinked.stderr).toBe(0);
    expect((await run(['accounts', 'list'], env)).stdout).not.toContain('intervals.icu');
  });

  it('a wrong key is refused before anything is stored: exit 3, and nothing changes', async () => {
    const { intervals, env } = await withIntervals();
    const refused = await run(['intervals', 'link', '--athlete', 'i777'], env, 'wrong-key-123456\n');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/intervals\.icu/i);
    expect(refused.stderr).not.toContain('wrong-key-123456');
    expect(intervals.requests).toHaveLength(1);
    expect((await run(['accounts', 'list'], env)).stdout).not.toContain('intervals.icu');
  });
});
