import { describe, expect, it } from 'vitest';
import { type CliWorld, cliWorld, GARMIN_EMAIL, linkAccount, run } from './cli.js';

const DAY = 86_400_000;
const daysAgo = (days: number, plusSeconds = 0) =>
  new Date(Math.floor((Date.now() - days * DAY) / 1000) * 1000 + plusSeconds * 1000);

/** One weigh-in stored three times (Index scale with body composition, a FIT re-upload, a manual entry) and a near miss. */
function seed(world: CliWorld) {
  const add = (input: Parameters<CliWorld['garmin']['addWeighIn']>[1]) =>
    world.garmin.addWeighIn(GARMIN_EMAIL, input).samplePk;
  const at = daysAgo(4);
  return {
    index: add({
      timestamp: at,
      weightKg: 80.2,
      fatPercent: 22.1,
      hydrationPercent: 55,
      sourceType: 'INDEX_SCALE',
    }),
    upload: add({ timestamp: at, weightKg: 80.2, sourceType: 'INDEX_SCALE' }),
    manual: add({ timestamp: new Date(at.getTime() + 60_000), weightKg: 80.25, sourceType: 'MANUAL' }),
    // 0.11 kg off: another weigh-in.
    other: add({ timestamp: new Date(at.getTime() + 30_000), weightKg: 80.31, sourceType: 'MANUAL' }),
  };
}

const secretsOf = (world: CliWorld) =>
  [...world.withings.secrets(), ...world.garmin.secrets()].filter((s) => s.length >= 8);
const deletes = (world: CliWorld) => world.garmin.requests.filter((r) => r.method === 'DELETE');

describe('wg-sync garmin dedupe', () => {
  it('prints the plan as a table and deletes nothing (the default, and --dry-run)', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const pk = seed(world);
    for (const args of [[], ['--dry-run']]) {
      const dry = await run(
        ['garmin', 'dedupe', '--from', daysAgo(30).toISOString().slice(0, 10), ...args],
        world.env,
      );
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(
        /4 Garmin weigh-ins .*, 1 duplicate groups, 2 duplicates \(dry run: nothing deleted\)/,
      );
      expect(dry.stdout).toMatch(/TAKEN AT \(UTC\) +KG +SAMPLE PK +SOURCE +FIELDS/);
      expect(dry.stdout).toMatch(
        new RegExp(`keep +\\S+ \\S+ +80\\.20 +${pk.index} +INDEX_SCALE +2: fatPercent, hydrationPercent`),
      );
      expect(dry.stdout).toMatch(new RegExp(`remove +\\S+ \\S+ +80\\.20 +${pk.upload} +INDEX_SCALE +-`));
      expect(dry.stdout).toMatch(new RegExp(`remove +\\S+ \\S+ +80\\.25 +${pk.manual} +MANUAL +-`));
      expect(dry.stdout).not.toContain(String(pk.other));
      expect(dry.stdout).toMatch(
        /to delete the 2 duplicates: wg-sync garmin dedupe --from \S+ --to \S+ --apply/,
      );
    }
    expect(deletes(world)).toEqual([]);
    expect(world.garmin.weighIns(GARMIN_EMAIL)).toHaveLength(4);
  });

  it('--apply without --yes and no terminal is refused (exit 2); --apply --yes deletes and says what', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const pk = seed(world);
    const refused = await run(['garmin', 'dedupe', '--apply'], world.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no terminal to ask on[\s\S]*fix: .*wg-sync garmin dedupe --apply --yes/);
    expect(deletes(world)).toEqual([]);

    const applied = await run(['garmin', 'dedupe', '--apply', '--yes', '--verbose'], world.env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`deleted +\\S+ \\S+ +80\\.20 +${pk.upload}`));
    expect(applied.stdout).toMatch(new RegExp(`deleted +\\S+ \\S+ +80\\.25 +${pk.manual}`));
    expect(applied.stdout).not.toMatch(/dry run/);
    // --verbose: the engine's line per deletion, with the instant and the weight.
    const lines = applied.stderr
      .split('\n')
      .filter((l) => l.includes('"garmin.dedupe.deleted"'))
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.samplePk, l.weightKg])).toEqual([
      [pk.upload, 80.2],
      [pk.manual, 80.25],
    ]);
    expect(lines[0].takenAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(
      world.garmin
        .weighIns(GARMIN_EMAIL)
        .map((w) => w.samplePk)
        .sort(),
    ).toEqual([pk.index, pk.other].sort());
    for (const secret of secretsOf(world)) {
      expect(applied.stdout).not.toContain(secret);
      expect(applied.stderr).not.toContain(secret);
    }
  });

  it('--json prints the report; a deletion Garmin failed (500) is listed and exits 4, upstream', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const pk = seed(world);
    world.garmin.faults.add('server-error', 1, new RegExp(`/byversion/${pk.upload}$`));
    const result = await run(['garmin', 'dedupe', '--apply', '--yes', '--json'], world.env);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/UPSTREAM/);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      dryRun: false,
      groups: [{ keep: { samplePk: pk.index } }],
      deleted: [{ samplePk: pk.manual, keptSamplePk: pk.index }],
      failed: [{ samplePk: pk.upload, code: 'UPSTREAM', attempted: true }],
    });
  });

  it('refuses contradicting or malformed flags before anything runs', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const calls = world.garmin.requests.length;
    for (const args of [
      ['--apply', '--dry-run'],
      ['--yes'],
      ['--from', '2026-02-30'],
      ['--from', '2026-05-02', '--to', '2026-05-01'],
    ]) {
      const result = await run(['garmin', 'dedupe', ...args], world.env);
      expect(result.code, args.join(' ')).toBe(2);
    }
    expect(world.garmin.requests.length).toBe(calls);
  });
});
