import { type IntervalsSim, startIntervalsSim } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { SyncConfig } from '../src/index.js';
import { type Harness, harness, minutesAgo } from './harness.js';

const HOUR = 3_600_000;

/** A harness whose account also sends to an intervals.icu simulator (athlete in `timezone`). */
async function withIntervals(
  options: { timezone?: string; config?: Partial<SyncConfig>; link?: boolean } = {},
): Promise<Harness & { intervals: IntervalsSim; athleteId: string }> {
  const intervals = await startIntervalsSim({
    athletes: [{ id: 'i4242', timezone: options.timezone ?? 'Europe/Berlin' }],
  });
  onTestFinished(() => intervals.close());
  const h = await harness({
    config: { intervals: { baseUrl: intervals.url, retry: { retries: 1, delayMs: 1 } }, ...options.config },
  });
  if (options.link !== false)
    await h.sync.accounts.setIntervals(h.userId, { apiKey: intervals.athlete.apiKey, athleteId: 'i4242' });
  return { ...h, intervals, athleteId: 'i4242' };
}

/** The last 04:30 UTC before now: 23:30 of the day before in New York (EST, UTC−5, in December). */
function lastHalfPastFourUtc(): Date {
  const now = Date.now();
  const today = new Date(now);
  today.setUTCHours(4, 30, 0, 0);
  return today.getTime() < now - 10 * 60_000 ? today : new Date(today.getTime() - 24 * HOUR);
}

describe('intervals.icu as a second destination', () => {
  it('writes each weigh-in to the athlete’s local day, with body fat, beside Garmin; a second sync writes nothing', async () => {
    const h = await withIntervals({ timezone: 'America/New_York' });
    const takenAt = lastHalfPastFourUtc();
    h.withings.addWeighIn(h.userId, { takenAt, weightKg: 81.46, fatPercent: 21.24 });
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    const utcDay = takenAt.toISOString().slice(0, 10);
    const localDay = new Date(takenAt.getTime() - 5 * HOUR).toISOString().slice(0, 10);
    expect(localDay).not.toBe(utcDay);
    expect(h.intervals.wellness(h.athleteId)).toMatchObject([{ id: localDay, weight: 81.46, bodyFat: 21.2 }]);
    expect(report.synced.find((s) => s.destination === 'intervals')).toMatchObject({
      storedId: localDay,
      fields: ['weightKg', 'fatPercent'],
    });
    expect(report.destinations.intervals).toMatchObject({ id: 'intervals', synced: 1, failed: 0 });
    expect(report.destinations.garmin).toMatchObject({ synced: 1 });
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);

    const puts = () => h.intervals.requests.filter((r) => r.method === 'PUT').length;
    expect(puts()).toBe(1);
    const again = await h.sync.syncRecent();
    expect(again.synced).toEqual([]);
    expect(again.skipped.filter((s) => s.destination === 'intervals').map((s) => s.reason)).toEqual([
      'duplicate-ledger',
    ]);
    expect(puts()).toBe(1);
  });

  it('keeps the day’s latest weigh-in: an earlier one, in the same sync or a later one, never overwrites it', async () => {
    const h = await withIntervals();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(50), weightKg: 80.1 });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 80.5 });
    const first = await h.sync.syncRecent();
    expect(first.failed).toEqual([]);
    const day = h.intervals.today(h.athleteId);
    // minutesAgo(50) and (20) are the same Berlin day unless the test runs just after midnight.
    const sameDay =
      new Date(Date.now() - 50 * 60_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Berlin' }) === day;
    if (sameDay) {
      expect(h.intervals.wellness(h.athleteId)).toMatchObject([{ id: day, weight: 80.5 }]);
      expect(first.skipped.filter((s) => s.destination === 'intervals').map((s) => s.reason)).toEqual([
        'superseded',
      ]);
    }
    // Garmin keeps every weigh-in.
    expect(h.garmin.weighIns(h.email)).toHaveLength(2);

    // A weigh-in measured earlier that day reaches Withings late (a scale that was offline).
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(35), weightKg: 79.9 });
    const late = await h.sync.syncRecent();
    expect(late.failed).toEqual([]);
    expect(
      late.skipped.filter((s) => s.destination === 'intervals' && s.reason === 'superseded'),
    ).toMatchObject([{ takenAt: expect.any(String) }]);
    expect(late.synced.map((s) => s.destination)).toEqual(['garmin']);
    expect(h.intervals.wellness(h.athleteId).at(-1)).toMatchObject({ weight: 80.5 });
    expect(h.garmin.weighIns(h.email)).toHaveLength(3);

    // A later one replaces the day's value.
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 80.3 });
    await h.sync.syncRecent();
    expect(h.intervals.wellness(h.athleteId).at(-1)).toMatchObject({ weight: 80.3 });
  });

  it('a later weigh-in of nearly the same weight still becomes the day’s record', async () => {
    const h = await withIntervals();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(40), weightKg: 80.0 });
    await h.sync.syncRecent();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 80.05 });
    const second = await h.sync.syncRecent();
    expect(second.synced.map((s) => s.destination).sort()).toEqual(['garmin', 'intervals']);
    expect(h.intervals.wellness(h.athleteId).at(-1)).toMatchObject({ weight: 80.05 });
  });

  it('an account that never linked intervals.icu syncs as before: no call, no report entry', async () => {
    const h = await withIntervals({ link: false });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 80.2 });
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(Object.keys(report.destinations)).toEqual(['garmin']);
    expect(report.synced.every((s) => s.destination === undefined)).toBe(true);
    expect(h.intervals.requests).toEqual([]);
    expect((await h.sync.accounts.list())[0]?.sessions).toEqual({
      withings: true,
      garmin: true,
      intervals: false,
    });
  });

  it('intervals.icu down: Garmin syncs, the failure names intervals.icu, and it catches up from its own cursor', async () => {
    const h = await withIntervals();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    h.intervals.faults.add({ status: 503 }, 20);
    const first = await h.sync.syncRecent();
    expect(first.synced.map((s) => s.destination)).toEqual(['garmin']);
    expect(first.failed.length).toBeGreaterThan(0);
    expect(first.failed.every((f) => f.destination === 'intervals' && f.code === 'UPSTREAM')).toBe(true);
    expect(first.destinations.garmin?.cursor).toBeDefined();
    expect(first.destinations.intervals?.cursor).toBeUndefined();
    expect(h.logs.some((l) => l.includes('"warn"') || l.includes('"error"'))).toBe(true);

    h.intervals.faults.clear();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 80.6 });
    const second = await h.sync.syncRecent();
    expect(second.failed).toEqual([]);
    expect(second.synced.map((s) => [s.destination, s.weightKg]).sort()).toEqual([
      ['garmin', 80.6],
      ['intervals', 80.6],
    ]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(2);
  });

  it('a refused key stops intervals.icu alone, with an alert naming it and the fix; Garmin syncs', async () => {
    const h = await withIntervals();
    await h.sync.accounts.setIntervals(h.userId, { apiKey: 'not-the-key-0000', athleteId: 'i4242' });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    const report = await h.sync.syncRecent();
    expect(report.synced.map((s) => s.destination)).toEqual(['garmin']);
    expect(report.failed[0]).toMatchObject({ destination: 'intervals', code: 'REAUTH_REQUIRED' });
    expect(h.alerts).toMatchObject([
      {
        type: 'REAUTH_REQUIRED',
        destination: 'intervals',
        message: expect.stringContaining('wg-sync intervals link'),
      },
    ]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('Garmin down: intervals.icu is written all the same', async () => {
    const h = await withIntervals();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    h.garmin.faults.add('forbidden', 5);
    const report = await h.sync.syncRecent();
    expect(report.synced.map((s) => s.destination)).toEqual(['intervals']);
    expect(report.failed[0]).toMatchObject({ destination: 'garmin', side: 'garmin' });
    expect(h.intervals.wellness(h.athleteId)).toHaveLength(1);
  });

  it('a crash after the PUT, before the ledger, writes nothing twice', async () => {
    const h = await withIntervals();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    const put = h.store.put.bind(h.store);
    let crashed = false;
    h.store.put = async (key, value, options) => {
      if (!crashed && key.startsWith('destinations/intervals/ledger/')) {
        crashed = true;
        throw new Error('process killed');
      }
      return put(key, value, options);
    };
    await h.sync.syncRecent().catch(() => undefined);
    expect(crashed).toBe(true);
    h.store.put = put;
    const again = await h.sync.syncRecent();
    expect(again.failed).toEqual([]);
    expect(again.skipped.filter((s) => s.destination === 'intervals').map((s) => s.reason)).toEqual([
      'duplicate-garmin',
    ]);
    expect(h.intervals.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('linked later, it gets the last days’ weigh-ins without a second upload to Garmin', async () => {
    const h = await withIntervals({ link: false });
    h.withings.addWeighIn(h.userId, { takenAt: new Date(Date.now() - 3 * 24 * HOUR), weightKg: 80.9 });
    await h.sync.syncRecent();
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    await h.sync.accounts.setIntervals(h.userId, { apiKey: h.intervals.athlete.apiKey, athleteId: '0' });
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.synced.map((s) => s.destination)).toEqual(['intervals']);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    expect(h.intervals.wellness(h.athleteId)).toMatchObject([{ weight: 80.9 }]);
  });

  it('a weight it cannot store fails as INVALID_VALUE without a call; a body fat it would refuse is left out', async () => {
    const h = await withIntervals();
    h.withings.addWeighIn(h.userId, { takenAt: new Date(Date.now() - 2 * 24 * HOUR), weightKg: 1200 });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 80.4, fatPercent: 0 });
    const report = await h.sync.syncRecent();
    expect(report.failed.filter((f) => f.destination === 'intervals')).toMatchObject([
      { code: 'INVALID_VALUE' },
    ]);
    const puts = h.intervals.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => JSON.parse(r.body))).toEqual([{ weight: 80.4 }]);
  });

  it('setDestination(userId, "intervals", …) links it as setIntervals does; removeIntervals stops it', async () => {
    const h = await withIntervals({ link: false });
    const linked = await h.sync.accounts.setDestination(h.userId, 'intervals', {
      apiKey: h.intervals.athlete.apiKey,
      athleteId: 'i4242',
    });
    expect(linked.sessions.intervals).toBe(true);
    await expect(
      h.sync.accounts.setDestination(h.userId, 'csv' as 'intervals', { apiKey: 'x'.repeat(20) }),
    ).rejects.toThrow(TypeError);
    await expect(h.sync.accounts.setIntervals(h.userId, { apiKey: 'short' })).rejects.toThrow(TypeError);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 80.2 });
    expect((await h.sync.syncRecent()).destinations.intervals).toMatchObject({ synced: 1 });
    expect((await h.sync.accounts.removeIntervals(h.userId)).sessions.intervals).toBe(false);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 81.2 });
    expect(Object.keys((await h.sync.syncRecent()).destinations)).toEqual(['garmin']);
  });

  it('doctor uses the key for real: ok with the athlete’s time zone, a refused key fails with the fix', async () => {
    const h = await withIntervals({ timezone: 'Asia/Tokyo' });
    const check = async () =>
      (await h.sync.doctor()).accounts[0]?.checks.find((c) => c.name === 'intervals.icu key');
    expect(await check()).toMatchObject({ status: 'ok', detail: expect.stringContaining('Asia/Tokyo') });
    await h.sync.accounts.setIntervals(h.userId, { apiKey: 'revoked-key-0000', athleteId: 'i4242' });
    const refused = await check();
    expect(refused).toMatchObject({ status: 'fail', fix: 'run: wg-sync intervals link' });
    expect(JSON.stringify(refused)).not.toContain('revoked-key-0000');
    await h.sync.accounts.removeIntervals(h.userId);
    expect(await check()).toBeUndefined();
  });

  it('status shows that the account sends to intervals.icu, never the key', async () => {
    const h = await withIntervals();
    const status = await h.sync.status();
    expect(status.accounts[0]?.intervals).toEqual({
      accessTokenExpiresAt: null,
      refreshedAt: expect.any(String),
    });
    expect(JSON.stringify(status)).not.toContain(h.intervals.athlete.apiKey);
    await h.sync.accounts.removeIntervals(h.userId);
    expect((await h.sync.status()).accounts[0]).not.toHaveProperty('intervals');
  });

  it('never logs or reports the API key', async () => {
    const h = await withIntervals();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    h.intervals.faults.add({ status: 500, body: `oops ${h.intervals.athlete.apiKey}` }, 5);
    const report = await h.sync.syncRecent();
    const seen = JSON.stringify([report, h.logs, h.alerts, await h.sync.accounts.list()]);
    for (const secret of h.intervals.secrets()) expect(seen).not.toContain(secret);
  });

  it('writes the day’s blood pressure with bloodPressure: true', async () => {
    const h = await withIntervals({ config: { bloodPressure: true } });
    h.withings.addBloodPressure(h.userId, {
      takenAt: minutesAgo(15),
      systolic: 121,
      diastolic: 79,
      heartRate: 60,
    });
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(h.intervals.wellness(h.athleteId)).toMatchObject([{ systolic: 121, diastolic: 79 }]);
    const again = await h.sync.syncRecent();
    expect(again.synced).toEqual([]);
  });
});
