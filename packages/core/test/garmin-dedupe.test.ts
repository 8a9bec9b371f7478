import type { GarminSimWeighInInput } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import type { GarminDedupeReport } from '../src/index.js';
import type { LedgerRecord } from '../src/store/state.js';
import { type Harness, harness } from './harness.js';

const DAY = 86_400_000;
/** A whole-second instant `days` ago (FIT timestamps are seconds). */
const daysAgo = (days: number, plusSeconds = 0) =>
  new Date(Math.floor((Date.now() - days * DAY) / 1000) * 1000 + plusSeconds * 1000);

const FULL = {
  fatPercent: 20.1,
  hydrationPercent: 56.2,
  boneMassKg: 3.4,
  muscleMassKg: 35.2,
  bmi: 24.3,
  visceralFat: 7,
  metabolicAge: 38,
  physiqueRating: 5,
};

/** Two FIT uploads of one weigh-in, as an older tool that ran twice left them. */
async function uploadFit(
  h: Harness,
  entry: { timestamp: Date; weightKg: number; fatPercent?: number; hydrationPercent?: number },
) {
  const client = await h.sync.garminClient(h.userId);
  await client?.addBodyComposition([entry], { verify: false });
  // The simulator keeps weigh-ins in time order: the upload's is the newest id.
  const newest = Math.max(...h.garmin.weighIns(h.email).map((w) => w.samplePk));
  if (!Number.isFinite(newest)) throw new Error('the upload stored nothing');
  return newest;
}

const seed = (h: Harness, input: GarminSimWeighInInput) => h.garmin.addWeighIn(h.email, input).samplePk;

/**
 * A history with duplicates from three sources (FIT uploads, a manual entry, an Index-scale entry)
 * and weigh-ins just outside the tolerance (120 s, 0.1 kg), which are kept.
 */
async function seedHistory(h: Harness) {
  const tA = daysAgo(3);
  const tB = daysAgo(10);
  const tC = daysAgo(30);
  const tD = daysAgo(40);
  const tE = daysAgo(20);
  const pk = {
    // A: two FIT uploads (2 fields each) and a manual entry: the older upload stays.
    fitA1: await uploadFit(h, { timestamp: tA, weightKg: 81.4, fatPercent: 21.5, hydrationPercent: 55.1 }),
    fitA2: await uploadFit(h, { timestamp: tA, weightKg: 81.4, fatPercent: 21.5, hydrationPercent: 55.1 }),
    manualA: seed(h, { timestamp: new Date(tA.getTime() + 45_000), weightKg: 81.42, sourceType: 'MANUAL' }),
    // Same weight 121 s after the last of A: another weigh-in.
    laterA: seed(h, { timestamp: new Date(tA.getTime() + 166_000), weightKg: 81.42, sourceType: 'MANUAL' }),
    // B: an upload with 1 field, then an Index-scale entry with all 8 (newest, but most fields), a manual one.
    fitB: await uploadFit(h, { timestamp: tB, weightKg: 79, fatPercent: 20 }),
    indexB: seed(h, {
      timestamp: new Date(tB.getTime() - 30_000),
      weightKg: 79.05,
      sourceType: 'INDEX_SCALE',
      ...FULL,
    }),
    manualB: seed(h, { timestamp: tB, weightKg: 79, sourceType: 'MANUAL' }),
    // E: exactly at both tolerances (120 s, 0.1 kg) is the same weigh-in.
    edgeE1: seed(h, { timestamp: tE, weightKg: 60, sourceType: 'MANUAL' }),
    edgeE2: seed(h, { timestamp: new Date(tE.getTime() + 120_000), weightKg: 60.1, sourceType: 'MANUAL' }),
    // C: 121 s apart; D: 0.11 kg apart. Not duplicates.
    c1: seed(h, { timestamp: tC, weightKg: 70, sourceType: 'INDEX_SCALE' }),
    c2: seed(h, { timestamp: new Date(tC.getTime() + 121_000), weightKg: 70, sourceType: 'MANUAL' }),
    d1: seed(h, { timestamp: tD, weightKg: 65, sourceType: 'INDEX_SCALE' }),
    d2: seed(h, { timestamp: new Date(tD.getTime() + 10_000), weightKg: 65.11, sourceType: 'MANUAL' }),
  };
  return pk;
}

const shape = (report: GarminDedupeReport) =>
  report.groups.map((g) => ({ keep: g.keep.samplePk, remove: g.remove.map((r) => r.samplePk) }));
const deletes = (h: Harness) => h.garmin.requests.filter((r) => r.method === 'DELETE');
const pks = (h: Harness) => h.garmin.weighIns(h.email).map((w) => w.samplePk);
const secretsOf = (h: Harness) =>
  [...h.withings.secrets(), ...h.garmin.secrets()].filter((s) => s.length >= 8);

function expectNoSecrets(h: Harness, ...texts: string[]) {
  const all = [...h.logs, ...texts].join('\n');
  for (const secret of secretsOf(h)) expect(all).not.toContain(secret);
}

describe('sync.garmin.dedupe', () => {
  it('plans one keeper per group: the most body-composition fields, then the oldest; near misses stay', async () => {
    const h = await harness();
    const pk = await seedHistory(h);
    const plan = await h.sync.garmin.dedupe({ from: daysAgo(60) });
    expect(plan).toMatchObject({ userId: h.userId, dryRun: true, listed: 13, deleted: [], failed: [] });
    expect(plan.tolerance).toEqual({ timeToleranceSec: 120, weightToleranceKg: 0.1 });
    expect(shape(plan)).toEqual([
      { keep: pk.edgeE1, remove: [pk.edgeE2] },
      { keep: pk.indexB, remove: [pk.fitB, pk.manualB] },
      { keep: pk.fitA1, remove: [pk.fitA2, pk.manualA] },
    ]);
    const [, b, a] = plan.groups;
    expect(b?.keep).toMatchObject({ sourceType: 'INDEX_SCALE', weightKg: 79.05 });
    expect(b?.keep.fields).toHaveLength(8);
    expect(b?.remove.map((r) => r.sourceType)).toEqual(['INDEX_SCALE', 'MANUAL']);
    expect(a?.keep.fields).toEqual(['fatPercent', 'hydrationPercent']);
    expect(a?.remove[1]).toMatchObject({ sourceType: 'MANUAL', fields: [], weightKg: 81.42 });
    expect(a?.keep.takenAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  it('a dry run (the default) deletes nothing; the default range is ten years, read in 90-day pieces', async () => {
    const h = await harness();
    await seedHistory(h);
    const old = daysAgo(2000);
    const oldPk = seed(h, { timestamp: old, weightKg: 77, sourceType: 'INDEX_SCALE' });
    const oldDup = seed(h, { timestamp: old, weightKg: 77, sourceType: 'MANUAL' });
    const before = pks(h);
    const plan = await h.sync.garmin.dedupe();
    expect(plan.dryRun).toBe(true);
    expect(shape(plan)[0]).toEqual({ keep: oldPk, remove: [oldDup] });
    expect(plan.groups).toHaveLength(4);
    expect(Date.parse(plan.to) - Date.parse(plan.from)).toBe(3650 * DAY);
    const ranges = h.garmin.requests.filter((r) => r.method === 'GET' && r.path.includes('/weight/range/'));
    expect(plan.reads).toBe(Math.ceil(3650 / 90));
    expect(ranges).toHaveLength(plan.reads);
    expect(deletes(h)).toEqual([]);
    expect(pks(h)).toEqual(before);
    expect(h.logs.some((l) => l.includes('garmin.dedupe.deleted'))).toBe(false);
  });

  it('apply deletes exactly the planned ones, logs each with instant and weight, and never a token', async () => {
    const h = await harness();
    const pk = await seedHistory(h);
    const planned = [pk.edgeE2, pk.fitB, pk.manualB, pk.fitA2, pk.manualA];
    const before = pks(h);
    const done = await h.sync.garmin.dedupe({ from: daysAgo(60), apply: true });
    expect(done.dryRun).toBe(false);
    expect(done.failed).toEqual([]);
    expect(done.deleted.map((d) => d.samplePk)).toEqual(planned);
    expect(done.deleted[1]).toMatchObject({ samplePk: pk.fitB, keptSamplePk: pk.indexB });
    expect(deletes(h).map((r) => r.path.split('/').at(-1))).toEqual(planned.map(String));
    expect(pks(h)).toEqual(before.filter((p) => !planned.includes(p)));
    const lines = h.logs.map((l) => JSON.parse(l)).filter((l) => l.event === 'garmin.dedupe.deleted');
    expect(lines).toHaveLength(5);
    for (const [i, line] of lines.entries()) {
      const removed = done.deleted[i];
      expect(line).toMatchObject({
        level: 'info',
        samplePk: removed?.samplePk,
        takenAt: removed?.takenAt,
        weightKg: removed?.weightKg,
      });
    }
    expectNoSecrets(h, JSON.stringify(done));
    // Run again: nothing left to do.
    const again = await h.sync.garmin.dedupe({ from: daysAgo(60), apply: true });
    expect(again.groups).toEqual([]);
    expect(deletes(h)).toHaveLength(5);
  });

  it('a deletion failing midway is reported with its code; the others are still deleted', async () => {
    const h = await harness();
    const pk = await seedHistory(h);
    h.garmin.faults.add('server-error', 1, new RegExp(`/byversion/${pk.fitB}$`));
    const done = await h.sync.garmin.dedupe({ from: daysAgo(60), apply: true });
    expect(done.deleted.map((d) => d.samplePk)).toEqual([pk.edgeE2, pk.manualB, pk.fitA2, pk.manualA]);
    expect(done.failed).toMatchObject([
      { samplePk: pk.fitB, keptSamplePk: pk.indexB, code: 'UPSTREAM', attempted: true },
    ]);
    expect(pks(h)).toContain(pk.fitB);
    expect(pks(h)).toContain(pk.indexB);
    const warn = h.logs.map((l) => JSON.parse(l)).find((l) => l.event === 'garmin.dedupe.delete-failed');
    expect(warn).toMatchObject({ level: 'warn', samplePk: pk.fitB, code: 'UPSTREAM', weightKg: 79 });
    expectNoSecrets(h, JSON.stringify(done));
  });

  it('a failure every later deletion would share (403) stops there; the rest are listed as not attempted', async () => {
    const h = await harness();
    const pk = await seedHistory(h);
    h.garmin.faults.add('forbidden', 1, new RegExp(`/byversion/${pk.fitB}$`));
    const done = await h.sync.garmin.dedupe({ from: daysAgo(60), apply: true });
    expect(done.deleted.map((d) => d.samplePk)).toEqual([pk.edgeE2]);
    expect(done.failed.map((f) => [f.samplePk, f.code, f.attempted])).toEqual([
      [pk.fitB, 'FORBIDDEN', true],
      [pk.manualB, 'FORBIDDEN', false],
      [pk.fitA2, 'FORBIDDEN', false],
      [pk.manualA, 'FORBIDDEN', false],
    ]);
    expect(deletes(h)).toHaveLength(2);
    expect(pks(h)).toHaveLength(12);
  });

  it('repoints ledger entries from a deleted record to the kept one (dry run: only reports it)', async () => {
    const h = await harness();
    const takenAt = daysAgo(1);
    h.withings.addWeighIn(h.userId, { takenAt, weightKg: 74.2, notify: false });
    const synced = await h.sync.syncRecent({ days: 3 });
    const uploaded = synced.synced[0]?.garminSamplePk as number;
    expect(uploaded).toBeTypeOf('number');
    // The scale's own entry with full body composition, a second later: the keeper.
    const scale = seed(h, {
      timestamp: new Date(takenAt.getTime() + 1000),
      weightKg: 74.2,
      sourceType: 'INDEX_SCALE',
      ...FULL,
    });
    const [entry] = await h.store.list<LedgerRecord>(`ledger/${h.userId}/`);
    expect(entry?.value.garminSamplePk).toBe(uploaded);
    const groupId = entry?.key.split('/').at(-1);

    const dry = await h.sync.garmin.dedupe({ from: daysAgo(5) });
    expect(dry.ledger).toEqual([{ groupId, fromSamplePk: uploaded, toSamplePk: scale }]);
    expect((await h.store.get<LedgerRecord>(entry?.key ?? ''))?.value.garminSamplePk).toBe(uploaded);

    const done = await h.sync.garmin.dedupe({ from: daysAgo(5), apply: true });
    expect(shape(done)).toEqual([{ keep: scale, remove: [uploaded] }]);
    expect(done.ledger).toEqual([{ groupId, fromSamplePk: uploaded, toSamplePk: scale }]);
    const after = await h.store.get<LedgerRecord>(entry?.key ?? '');
    expect(after?.value).toMatchObject({ ...entry?.value, garminSamplePk: scale });
    expect(pks(h)).toEqual([scale]);
    // The ledger still knows the group: the next sync uploads nothing again.
    const next = await h.sync.syncRecent({ days: 3 });
    expect(next.synced).toEqual([]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('a declined confirmation deletes nothing; a bad range is refused before any request', async () => {
    const h = await harness();
    await seedHistory(h);
    let shown: GarminDedupeReport | undefined;
    const declined = await h.sync.garmin.dedupe({
      from: daysAgo(60),
      apply: true,
      confirm: (plan) => {
        shown = plan;
        return false;
      },
    });
    expect(declined).toMatchObject({ dryRun: true, declined: true, deleted: [], failed: [] });
    expect(shown?.groups).toHaveLength(3);
    expect(deletes(h)).toEqual([]);
    const calls = h.garmin.requests.length;
    await expect(h.sync.garmin.dedupe({ from: daysAgo(1), to: daysAgo(2) })).rejects.toThrow(RangeError);
    await expect(h.sync.garmin.dedupe({ userId: 'nobody' })).rejects.toMatchObject({
      code: 'ACCOUNT_NOT_FOUND',
    });
    expect(h.garmin.requests.length).toBe(calls);
  });
});
