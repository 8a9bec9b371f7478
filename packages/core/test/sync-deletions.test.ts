import { type IntervalsSim, startIntervalsSim } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { SyncConfig } from '../src/index.js';
import { type Harness, type HarnessOptions, harness, minutesAgo } from './harness.js';

/** A harness that follows deletions; with `intervals`, the account also writes to an intervals.icu simulator. */
async function deletionWorld(
  options: { config?: Partial<SyncConfig>; intervals?: boolean } & Omit<HarnessOptions, 'config'> = {},
): Promise<Harness & { intervals?: IntervalsSim }> {
  const { config, intervals: withIntervals, ...rest } = options;
  const intervals = withIntervals
    ? await startIntervalsSim({ athletes: [{ id: 'i4242', timezone: 'Europe/Berlin' }] })
    : undefined;
  if (intervals) onTestFinished(() => intervals.close());
  const h = await harness({
    ...rest,
    config: {
      syncDeletions: true,
      ...(intervals ? { intervals: { baseUrl: intervals.url, retry: { retries: 1, delayMs: 1 } } } : {}),
      ...config,
    },
  });
  if (intervals)
    await h.sync.accounts.setIntervals(h.userId, { apiKey: intervals.athlete.apiKey, athleteId: 'i4242' });
  return { ...h, ...(intervals ? { intervals } : {}) };
}

/** Garmin's weigh-ins as kg, oldest first. */
const garminKg = (h: Harness) =>
  h.garmin
    .weighIns(h.email)
    .sort((a, b) => a.timestampGMT - b.timestampGMT)
    .map((w) => w.weight / 1000);

/** Two weigh-ins of today, synced; the first is the one tests delete or edit. */
async function twoSynced(h: Harness) {
  const first = h.withings.addWeighIn(h.userId, {
    takenAt: minutesAgo(90),
    weightKg: 80.4,
    fatPercent: 21.3,
  });
  const second = h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.1 });
  const report = await h.sync.syncRecent();
  expect(report.failed).toEqual([]);
  expect(garminKg(h)).toEqual([80.4, 80.1]);
  return { first: first.groupIds[0] as string, second: second.groupIds[0] as string };
}

const ledgerOf = async (h: Harness, groupId: string, destination = 'garmin') =>
  (
    await h.store.get<{ deletedAt?: string; weightKg?: number; how: string }>(
      destination === 'garmin'
        ? `ledger/${h.userId}/${groupId}`
        : `destinations/${destination}/ledger/${h.userId}/${groupId}`,
    )
  )?.value;

describe('syncDeletions: a weigh-in deleted in Withings', () => {
  it('is deleted from Garmin by its samplePk, tombstoned, and never comes back', async () => {
    const h = await deletionWorld();
    const { first } = await twoSynced(h);
    const [pk] = h.garmin.weighIns(h.email).sort((a, b) => a.timestampGMT - b.timestampGMT);

    h.withings.deleteGroup(first, false);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.deleted).toEqual([
      {
        groupIds: [first],
        takenAt: expect.any(String),
        weightKg: 80.4,
        destination: 'garmin',
        garminSamplePk: pk?.samplePk,
      },
    ]);
    expect(report.destinations.garmin?.deletionCheck).toMatchObject({ checked: true });
    expect(garminKg(h)).toEqual([80.1]);
    expect((await ledgerOf(h, first))?.deletedAt).toEqual(expect.any(String));
    // Deleted with the calendarDate it was stored under: no extra listing.
    expect(h.garmin.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);

    const again = await h.sync.syncRecent({ days: 30 });
    expect(again.failed).toEqual([]);
    expect(again.deleted).toEqual([]);
    expect(again.synced).toEqual([]);
    expect(garminKg(h)).toEqual([80.1]);
  });

  it('without syncDeletions nothing is deleted and no window is read', async () => {
    const h = await deletionWorld({ config: { syncDeletions: false } });
    const { first } = await twoSynced(h);
    const reads = h.withings.requests.length;
    h.withings.deleteGroup(first, false);
    const report = await h.sync.syncRecent();
    expect(report.deleted).toEqual([]);
    expect(garminKg(h)).toEqual([80.4, 80.1]);
    expect(h.withings.requests.length - reads).toBe(1);
  });

  it('is cleared from its intervals.icu day too, when the day still holds what wg-sync wrote', async () => {
    const h = await deletionWorld({ intervals: true });
    const intervals = h.intervals as IntervalsSim;
    const yesterday = h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(26 * 60), weightKg: 79.9 });
    const today = h.withings.addWeighIn(h.userId, {
      takenAt: minutesAgo(20),
      weightKg: 80.2,
      fatPercent: 20.4,
    });
    expect((await h.sync.syncRecent({ days: 2 })).failed).toEqual([]);
    const day = intervals.today('i4242');
    expect(intervals.wellness('i4242').find((r) => r.id === day)).toMatchObject({
      weight: 80.2,
      bodyFat: 20.4,
    });

    h.withings.deleteGroup(today.groupIds[0] as string, false);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.deleted.map((d) => [d.destination, d.storedId ?? d.garminSamplePk !== undefined])).toEqual([
      ['garmin', true],
      ['intervals', day],
    ]);
    expect(intervals.wellness('i4242').find((r) => r.id === day)).toMatchObject({
      weight: null,
      bodyFat: null,
    });
    expect(garminKg(h)).toEqual([79.9]);
    expect(yesterday.groupIds).toHaveLength(1);
    expect((await ledgerOf(h, today.groupIds[0] as string, 'intervals'))?.deletedAt).toEqual(
      expect.any(String),
    );
  });

  it('gives an intervals.icu day back to its earlier weigh-in when the one that won the day is deleted', async () => {
    const h = await deletionWorld({ intervals: true });
    const intervals = h.intervals as IntervalsSim;
    // Yesterday 10:00 and 11:00 in Berlin (UTC+1 in December): one day, whenever the test runs.
    const at = (hourUtc: number) => {
      const d = new Date(Date.now() - 86_400_000);
      d.setUTCHours(hourUtc, 0, 0, 0);
      return d;
    };
    const day = at(9).toISOString().slice(0, 10);
    const earlier = h.withings.addWeighIn(h.userId, { takenAt: at(9), weightKg: 80.9, fatPercent: 21.1 });
    const later = h.withings.addWeighIn(h.userId, { takenAt: at(10), weightKg: 80.3 });
    const first = await h.sync.syncRecent();
    expect(first.skipped.filter((s) => s.destination === 'intervals').map((s) => s.reason)).toEqual([
      'superseded',
    ]);
    expect(intervals.wellness('i4242').find((r) => r.id === day)).toMatchObject({ weight: 80.3 });

    h.withings.deleteGroup(later.groupIds[0] as string, false);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.deleted.map((d) => d.destination).sort()).toEqual(['garmin', 'intervals']);
    expect(report.synced).toMatchObject([{ destination: 'intervals', weightKg: 80.9, storedId: day }]);
    expect(intervals.wellness('i4242').find((r) => r.id === day)).toMatchObject({
      weight: 80.9,
      bodyFat: 21.1,
    });
    expect(garminKg(h)).toEqual([80.9]);
    expect((await ledgerOf(h, earlier.groupIds[0] as string, 'intervals'))?.how).toBe('uploaded');

    const again = await h.sync.syncRecent();
    expect(again.synced).toEqual([]);
    expect(again.deleted).toEqual([]);
  });

  it('leaves an intervals.icu day a person changed since, and says so', async () => {
    const h = await deletionWorld({ intervals: true });
    const intervals = h.intervals as IntervalsSim;
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(26 * 60), weightKg: 79.9 });
    const today = h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 80.2 });
    await h.sync.syncRecent({ days: 2 });
    const day = intervals.today('i4242');
    intervals.seedWellness('i4242', day, { weight: 80.7 });

    h.withings.deleteGroup(today.groupIds[0] as string, false);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.deleted.map((d) => d.destination)).toEqual(['garmin']);
    expect(report.skipped).toContainEqual(
      expect.objectContaining({ reason: 'changed-in-destination', destination: 'intervals' }),
    );
    expect(intervals.wellness('i4242').find((r) => r.id === day)).toMatchObject({ weight: 80.7 });
    expect(h.logs.some((line) => line.includes('sync.deletion.kept'))).toBe(true);
    // Tombstoned: not reported again.
    const again = await h.sync.syncRecent();
    expect(again.skipped.filter((s) => s.reason === 'changed-in-destination')).toEqual([]);
  });

  it('never touches a Garmin record wg-sync did not create (its ledger entry says found)', async () => {
    const h = await deletionWorld();
    const takenAt = minutesAgo(90);
    h.garmin.addWeighIn(h.email, { timestamp: takenAt, weightKg: 80.4 });
    const mine = h.withings.addWeighIn(h.userId, { takenAt, weightKg: 80.4 });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.1 });
    const first = await h.sync.syncRecent();
    expect(first.skipped.map((s) => s.reason)).toEqual(['duplicate-garmin']);

    h.withings.deleteGroup(mine.groupIds[0] as string, false);
    const report = await h.sync.syncRecent();
    expect(report.deleted).toEqual([]);
    expect(report.skipped).toContainEqual(expect.objectContaining({ reason: 'not-created' }));
    expect(garminKg(h)).toEqual([80.4, 80.1]);
    expect(h.garmin.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('after a crash between the Garmin delete and the tombstone, the rerun finds it gone and tombstones it', async () => {
    const h = await deletionWorld();
    const { first } = await twoSynced(h);
    h.withings.deleteGroup(first, false);
    const put = h.store.put.bind(h.store);
    let killed = false;
    h.store.put = async (key, value, options) => {
      if (!killed && key.startsWith('ledger/') && (value as { deletedAt?: string }).deletedAt) {
        killed = true;
        throw new Error('process killed');
      }
      return put(key, value, options);
    };
    await expect(h.sync.syncRecent()).rejects.toThrow('process killed');
    h.store.put = put;
    expect(garminKg(h)).toEqual([80.1]);
    await h.store.delete(`lock/${h.userId}`); // the dead process's lease

    const rerun = await h.sync.syncRecent();
    expect(rerun.failed).toEqual([]);
    expect(rerun.deleted).toEqual([expect.objectContaining({ groupIds: [first], alreadyGone: true })]);
    expect((await ledgerOf(h, first))?.deletedAt).toEqual(expect.any(String));
    expect(garminKg(h)).toEqual([80.1]);
  });
});

describe('syncDeletions: safety', () => {
  it('a failed read of the window deletes nothing and fails the sync loudly', async () => {
    let failWindow = false;
    const failing: typeof fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : String(init?.body ?? '');
      if (failWindow && body.includes('startdate') && !body.includes('lastupdate'))
        return new Response('bad gateway', { status: 502 });
      return fetch(input, init);
    };
    const h = await deletionWorld({ config: { fetch: failing } });
    const { first } = await twoSynced(h);
    h.withings.deleteGroup(first, false);
    failWindow = true;
    const report = await h.sync.syncRecent();
    expect(report.deleted).toEqual([]);
    expect(report.failed.length).toBeGreaterThan(0);
    expect(report.destinations.garmin?.deletionCheck).toMatchObject({
      checked: false,
      reason: 'read-failed',
    });
    expect(garminKg(h)).toEqual([80.4, 80.1]);
    expect(h.logs.some((line) => line.includes('sync.deletions.unchecked'))).toBe(true);

    failWindow = false;
    expect((await h.sync.syncRecent()).deleted).toHaveLength(1);
    expect(garminKg(h)).toEqual([80.1]);
  });

  it('an answer in several pages (more=1) deletes nothing', async () => {
    const h = await deletionWorld({ pageSize: 1 });
    const { first } = await twoSynced(h);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 80.0 });
    h.withings.deleteGroup(first, false);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.deleted).toEqual([]);
    expect(report.destinations.garmin?.deletionCheck).toMatchObject({ checked: false, reason: 'paged' });
    expect(garminKg(h)).toEqual([80.4, 80.1, 80.0]);
  });

  it('an answer in which none of the window came back deletes nothing', async () => {
    const h = await deletionWorld();
    const { first, second } = await twoSynced(h);
    h.withings.deleteGroup(first, false);
    h.withings.deleteGroup(second, false);
    const report = await h.sync.syncRecent();
    expect(report.deleted).toEqual([]);
    expect(report.destinations.garmin?.deletionCheck).toMatchObject({ reason: 'all-missing' });
    expect(garminKg(h)).toEqual([80.4, 80.1]);
  });

  it('deletes at most maxDeletionsPerSync per sync; the rest next time', async () => {
    const h = await deletionWorld({ config: { maxDeletionsPerSync: 2 } });
    const ids = [100, 80, 60, 40].map(
      (m, i) =>
        h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(m), weightKg: 80 + i / 10 }).groupIds[0],
    );
    await h.sync.syncRecent();
    for (const id of ids.slice(0, 3)) h.withings.deleteGroup(id as string, false);
    const report = await h.sync.syncRecent();
    expect(report.deleted).toHaveLength(2);
    expect(report.skipped.filter((s) => s.reason === 'deletion-cap')).toHaveLength(1);
    expect(garminKg(h)).toEqual([80.2, 80.3]);
    const next = await h.sync.syncRecent();
    expect(next.deleted).toHaveLength(1);
    expect(garminKg(h)).toEqual([80.3]);
  });

  it('a dry run lists the deletions and deletes nothing', async () => {
    const h = await deletionWorld();
    const { first } = await twoSynced(h);
    h.withings.deleteGroup(first, false);
    const dry = await h.sync.syncRecent({ dryRun: true });
    expect(dry.deleted).toEqual([expect.objectContaining({ groupIds: [first], destination: 'garmin' })]);
    expect(garminKg(h)).toEqual([80.4, 80.1]);
    expect((await ledgerOf(h, first))?.deletedAt).toBeUndefined();
    expect((await h.sync.syncRecent()).deleted).toHaveLength(1);
  });
});

describe('syncDeletions: a weigh-in edited in Withings', () => {
  it('is replaced in Garmin; intervals.icu, whose day holds a later weigh-in, is left alone', async () => {
    const h = await deletionWorld({ intervals: true });
    const intervals = h.intervals as IntervalsSim;
    const { first } = await twoSynced(h);
    const before = h.garmin.weighIns(h.email).map((w) => w.samplePk);

    h.withings.updateGroup(first, { weightKg: 79.6 }, false);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.edited.map((e) => [e.destination, e.previousWeightKg, e.weightKg])).toEqual([
      ['garmin', 80.4, 79.6],
    ]);
    expect(garminKg(h)).toEqual([79.6, 80.1]);
    expect(h.garmin.weighIns(h.email).map((w) => w.samplePk)).not.toContain(before[0]);
    expect((await ledgerOf(h, first))?.weightKg).toBe(79.6);
    // The day holds the day's latest weigh-in (80.1), which the edit of an earlier one leaves alone.
    expect(intervals.wellness('i4242').find((r) => r.id === intervals.today('i4242'))).toMatchObject({
      weight: 80.1,
    });

    const again = await h.sync.syncRecent({ days: 2 });
    expect(again.edited).toEqual([]);
    expect(again.synced).toEqual([]);
    expect(garminKg(h)).toEqual([79.6, 80.1]);
  });

  it('rewrites the intervals.icu day when the edited weigh-in is the one it holds', async () => {
    const h = await deletionWorld({ intervals: true });
    const intervals = h.intervals as IntervalsSim;
    const { second } = await twoSynced(h);
    h.withings.updateGroup(second, { weightKg: 80.9 }, false);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.edited.map((e) => e.destination).sort()).toEqual(['garmin', 'intervals']);
    expect(intervals.wellness('i4242').find((r) => r.id === intervals.today('i4242'))).toMatchObject({
      weight: 80.9,
    });
    expect(garminKg(h)).toEqual([80.4, 80.9]);
  });

  it('a new modified with the same values is no edit', async () => {
    const h = await deletionWorld();
    const { first } = await twoSynced(h);
    h.withings.updateGroup(first, { attrib: 0 }, false);
    const report = await h.sync.syncRecent();
    expect(report.edited).toEqual([]);
    expect(report.synced).toEqual([]);
    expect(h.garmin.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });
});
