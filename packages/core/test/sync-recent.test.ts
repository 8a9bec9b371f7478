import { describe, expect, it } from 'vitest';
import { harness, linkSecondAccount, minutesAgo } from './harness.js';

const bodyCardio = {
  weightKg: 108.4,
  fatPercent: 11.439,
  fatMassKg: 12.4,
  fatFreeMassKg: 96,
  muscleMassKg: 92.2,
  hydrationKg: 70.39,
  boneMassKg: 3.8,
  heartRate: 90,
  pulseWaveVelocity: 7.4,
  layout: 'body-cardio' as const,
};

describe('syncRecent', () => {
  it('uploads a Body Cardio weigh-in (3 split groups) as one Garmin entry with body composition', async () => {
    const h = await harness();
    const takenAt = minutesAgo(30);
    h.withings.addWeighIn(h.userId, {
      takenAt: new Date(Math.floor(takenAt.getTime() / 1000) * 1000),
      ...bodyCardio,
    });
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.synced).toHaveLength(1);
    expect(report.synced[0]?.groupIds).toHaveLength(3);
    expect(report.synced[0]?.fields.sort()).toEqual([
      'boneMassKg',
      'fatPercent',
      'hydrationPercent',
      'muscleMassKg',
      'weightKg',
    ]);
    const stored = h.garmin.weighIns(h.email);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ weight: 108400, bodyFat: 11.44, boneMass: 3800, muscleMass: 92200 });
    expect(stored[0]?.bodyWater).toBeCloseTo((70.39 / 108.4) * 100, 1);
    expect(report.cursor).toBeDefined();
    expect(report.upstreamCalls.withings).toBeGreaterThanOrEqual(1);
  });

  it('a rerun uploads nothing again (ledger), and Garmin holds one entry', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 81.4 });
    await h.sync.syncRecent();
    const again = await h.sync.syncRecent({ days: 30 });
    expect(again.synced).toEqual([]);
    expect(again.skipped.map((s) => s.reason)).toEqual(['duplicate-ledger']);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    expect(h.garmin.uploads()).toHaveLength(1);
  });

  it('skips an ambiguous group and a manual one, reporting why', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(50), weightKg: 68.4, attrib: 1 });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(40), weightKg: 70, attrib: 2, deviceId: null });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 82.3 });
    const report = await h.sync.syncRecent();
    expect(report.synced.map((s) => s.weightKg)).toEqual([82.3]);
    expect(report.skipped.map((s) => s.reason).sort()).toEqual(['ambiguous', 'manual']);
    expect(h.garmin.weighIns(h.email).map((w) => w.weight)).toEqual([82300]);
  });

  it('skips what Garmin already holds (within 120 s and 0.1 kg) and remembers it', async () => {
    const h = await harness();
    const takenAt = minutesAgo(15);
    h.withings.addWeighIn(h.userId, { takenAt, weightKg: 80.05 });
    h.garmin.addWeighIn(h.email, { timestamp: new Date(takenAt.getTime() + 60_000), weightKg: 80.1 });
    const report = await h.sync.syncRecent();
    expect(report.skipped.map((s) => s.reason)).toEqual(['duplicate-garmin']);
    expect(h.garmin.uploads()).toHaveLength(0);
    expect(await h.store.get(`ledger/${h.userId}/${report.skipped[0]?.groupIds[0]}`)).toBeDefined();
  });

  it('respects the cap and picks the rest up next time without moving the cursor early', async () => {
    const h = await harness({ config: { maxEntriesPerSync: 2 } });
    for (let i = 5; i >= 1; i -= 1)
      h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(i * 60), weightKg: 80 + i / 10 });
    const first = await h.sync.syncRecent();
    expect(first.synced).toHaveLength(2);
    expect(first.skipped.filter((s) => s.reason === 'cap')).toHaveLength(3);
    expect(first.cursor).toBeUndefined();
    const second = await h.sync.syncRecent();
    expect(second.synced).toHaveLength(2);
    const third = await h.sync.syncRecent();
    expect(third.synced).toHaveLength(1);
    expect(third.cursor).toBeDefined();
    expect(h.garmin.weighIns(h.email)).toHaveLength(5);
    expect(h.garmin.uploads()).toHaveLength(3); // one FIT file per sync
  });

  it('a dry run reports what it would upload and writes nothing', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 77.7, fatPercent: 18 });
    const before = (await h.store.list('')).map((e) => `${e.key}@${e.version}`);
    const report = await h.sync.syncRecent({ dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.synced).toMatchObject([{ weightKg: 77.7, fields: ['weightKg', 'fatPercent'] }]);
    expect(h.garmin.uploads()).toHaveLength(0);
    const after = (await h.store.list('')).map((e) => `${e.key}@${e.version}`);
    // Tokens may rotate and the Withings budget counts the run's reads: nothing else is written.
    const state = (k: string) => !/^(withings|account|budget)\//.test(k);
    expect(after.filter(state)).toEqual(before.filter(state));
    expect(await h.store.list('ledger/')).toEqual([]);
  });

  it('a late arrival (measured days ago, received now) is synced', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(60), weightKg: 80 });
    await h.sync.syncRecent();
    // The scale was offline: a weigh-in from 10 days ago reaches Withings only now.
    const old = new Date(Date.now() - 10 * 86_400_000);
    h.withings.addWeighIn(h.userId, { takenAt: old, weightKg: 81.2 });
    const report = await h.sync.syncRecent({ days: 1 });
    expect(report.synced.map((s) => s.weightKg)).toEqual([81.2]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(2);
  });

  it('a crash after the upload and before the ledger write makes no duplicate on the rerun', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(25), weightKg: 83.3 });
    const realPut = h.store.put.bind(h.store);
    let crashed = false;
    h.store.put = async (key, value, options) => {
      if (key.startsWith('ledger/') && !crashed) {
        crashed = true;
        throw new Error('process killed');
      }
      return realPut(key, value, options);
    };
    await expect(h.sync.syncRecent()).rejects.toThrow('process killed');
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    await h.store.delete(`lock/${h.userId}`); // the dead process's lease
    const rerun = await h.sync.syncRecent();
    expect(rerun.synced).toEqual([]);
    expect(rerun.skipped.map((s) => s.reason)).toEqual(['duplicate-garmin']);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('needs a userId when several accounts are linked', async () => {
    const h = await harness();
    const { userId: other } = await linkSecondAccount(h);
    await expect(h.sync.syncRecent()).rejects.toMatchObject({ code: 'USER_ID_REQUIRED' });
    await expect(h.sync.syncRecent({ userId: other })).resolves.toMatchObject({ userId: other });
  });
});
