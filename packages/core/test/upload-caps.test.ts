import { decodeWeightFit } from '@wg-sync/fit';
import { describe, expect, it } from 'vitest';
import { type Harness, harness, minutesAgo } from './harness.js';

const DAY = 86_400_000;
const UPLOAD = /^\/upload-service\/upload/;
const READ = /^\/weight-service\/weight\/range\//;

/** `count` daily weigh-ins with full body composition, the newest yesterday (whole seconds). */
function addHistory(h: Harness, count: number) {
  const start = Math.floor((Date.now() - count * DAY) / 1000) * 1000;
  for (let i = 0; i < count; i += 1) {
    h.withings.addWeighIn(h.userId, {
      takenAt: new Date(start + i * DAY),
      weightKg: 70 + (i % 50) / 10,
      fatPercent: 20 + (i % 7) / 10,
      muscleMassKg: 33.2,
      hydrationKg: 40.1,
      boneMassKg: 3.1,
      notify: false,
    });
  }
  return { from: new Date(start - DAY), to: new Date(start + count * DAY) };
}

const calls = (h: Harness, path: RegExp) =>
  h.garmin.requests.filter((r) => path.test(r.path) && r.method === (path === UPLOAD ? 'POST' : 'GET'));

/** Every Withings weigh-in is in Garmin exactly once. */
function expectEachOnce(h: Harness, count: number) {
  const stored = h.garmin.weighIns(h.email);
  expect(stored).toHaveLength(count);
  expect(new Set(stored.map((w) => w.timestampGMT)).size).toBe(count);
}

describe('upload caps', () => {
  it('a 200-weigh-in backfill goes out as ≥4 FIT files, none above 50 entries or 16 384 bytes', async () => {
    const h = await harness();
    const range = addHistory(h, 200);
    const report = await h.sync.backfill({ ...range, batchSize: 200 });
    expect(report.failed).toEqual([]);
    expect(report.synced).toHaveLength(200);
    const uploads = h.garmin.uploads();
    expect(uploads.length).toBeGreaterThanOrEqual(4);
    for (const upload of uploads) {
      expect(upload.status).toBe(202);
      expect(upload.entries).toBeLessThanOrEqual(50);
      expect(upload.bytes.length).toBeLessThanOrEqual(16_384);
      expect(decodeWeightFit(upload.bytes).entries).toHaveLength(upload.entries);
    }
    expect(uploads.reduce((sum, u) => sum + u.entries, 0)).toBe(200);
    expectEachOnce(h, 200);
    // One range read before, 4 uploads, one read-back for the whole batch.
    expect(calls(h, UPLOAD)).toHaveLength(4);
    expect(calls(h, READ)).toHaveLength(2);
    expect(report.upstreamCalls.garmin).toBe(6);
  });

  it('the byte cap splits too: 1 024 bytes per file', async () => {
    const h = await harness();
    // The entry cap is out of the way: only bytes limit the files.
    const sync = h.another({ garmin: { ...h.config.garmin, maxUploadBytes: 1024, maxUploadEntries: 500 } });
    const range = addHistory(h, 200);
    const report = await sync.backfill({ ...range, batchSize: 200 });
    expect(report.failed).toEqual([]);
    const uploads = h.garmin.uploads();
    for (const upload of uploads) expect(upload.bytes.length).toBeLessThanOrEqual(1024);
    // ~16 bytes per weigh-in after ~115 bytes of header: about 56 per file, packed full (one file of ~3 KiB without the cap).
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    expect(uploads[0]?.bytes.length).toBeGreaterThan(1024 - 40);
    expect(uploads.reduce((sum, u) => sum + u.entries, 0)).toBe(200);
    expectEachOnce(h, 200);
  });
});

describe('a 504 or 413 on an upload', () => {
  it('504 (not stored): read back, split in half, re-sent until the halves fit; each weigh-in once', async () => {
    const h = await harness();
    h.garmin.uploadLimits = { maxEntries: 20 }; // Garmin's gateway times out on bigger files
    const range = addHistory(h, 60);
    const report = await h.sync.backfill({ ...range, batchSize: 60 });
    expect(report.failed).toEqual([]);
    expect(report.synced).toHaveLength(60);
    expectEachOnce(h, 60);
    // 50 → 504 → 25 + 25; each 25 → 504 → 13 + 12; then the 10 left.
    expect(h.garmin.uploads().map((u) => [u.entries, u.status])).toEqual([
      [50, 504],
      [25, 504],
      [13, 202],
      [12, 202],
      [25, 504],
      [13, 202],
      [12, 202],
      [10, 202],
    ]);
    // Reads: the range read, 3 polls after each of the three 504s (nothing there), the read-back.
    expect(calls(h, READ)).toHaveLength(1 + 3 * 3 + 1);
    expect(report.upstreamCalls.garmin).toBe(8 + 11);
    expect(h.logs.some((line) => line.includes('garmin.upload_too_big'))).toBe(true);
  });

  it('504 but Garmin stored the file: found by the read, never sent again', async () => {
    const h = await harness();
    h.garmin.uploadLimits = { maxEntries: 20, storedAnyway: true };
    const range = addHistory(h, 60);
    const report = await h.sync.backfill({ ...range, batchSize: 60 });
    expect(report.failed).toEqual([]);
    expect(report.synced).toHaveLength(60);
    expect(report.synced.every((s) => typeof s.garminSamplePk === 'number')).toBe(true);
    expectEachOnce(h, 60);
    expect(h.garmin.uploads().map((u) => [u.entries, u.status, u.stored])).toEqual([
      [50, 504, 50],
      [10, 202, 10],
    ]);
    // The range read, one read after the 504 (all 50 there), the read-back of the last 10.
    expect(calls(h, READ)).toHaveLength(3);
    expect(report.upstreamCalls.garmin).toBe(5);
    // The ledger has them: a second backfill uploads nothing.
    const again = await h.sync.backfill({ ...range, batchSize: 60 });
    expect(again.synced).toEqual([]);
    expect(h.garmin.uploads()).toHaveLength(2);
  });

  it('the gateway-timeout-stored fault on a file within the caps: found by the read, not re-sent', async () => {
    const h = await harness();
    const range = addHistory(h, 4);
    h.garmin.faults.add('gateway-timeout-stored');
    const report = await h.sync.backfill({ ...range, batchSize: 4 });
    expect(report.failed).toEqual([]);
    expect(report.synced).toHaveLength(4);
    expectEachOnce(h, 4);
    expect(h.garmin.uploads().map((u) => [u.entries, u.status])).toEqual([[4, 504]]);
    expect(calls(h, READ)).toHaveLength(2); // the range read and the read after the 504
  });

  it('a single weigh-in still refused with 413 fails alone (UPLOAD_TOO_LARGE, alert), and is retried next sync', async () => {
    const h = await harness();
    h.garmin.uploadLimits = { maxEntries: 0, status: 413 }; // every file is "too large"
    for (const minutes of [50, 40, 30]) {
      h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(minutes), weightKg: 80 + minutes / 100 });
    }
    const report = await h.sync.syncRecent();
    expect(report.synced).toEqual([]);
    expect(report.failed.map((f) => f.code)).toEqual([
      'UPLOAD_TOO_LARGE',
      'UPLOAD_TOO_LARGE',
      'UPLOAD_TOO_LARGE',
    ]);
    expect(report.failed[0]?.message).toMatch(/HTTP 413.*only the .* kg weigh-in.*next sync/);
    expect(report.cursor).toBeUndefined();
    expect(h.alerts.map((a) => a.type)).toEqual(['NOT_STORED']);
    // 3 → 413 → 2 + 1; 2 → 413 → 1 + 1: five uploads, no reads (a 413 stored nothing).
    expect(h.garmin.uploads().map((u) => u.entries)).toEqual([3, 2, 1, 1, 1]);
    expect(calls(h, READ)).toHaveLength(1);
    expect(h.garmin.weighIns(h.email)).toEqual([]);

    h.garmin.uploadLimits = undefined;
    const next = await h.sync.syncRecent();
    expect(next.failed).toEqual([]);
    expect(next.synced).toHaveLength(3);
    expectEachOnce(h, 3);
  });

  it('a single weigh-in answered 504 and not found is UPLOAD_TIMEOUT, not sent twice', async () => {
    const h = await harness();
    h.garmin.uploadLimits = { maxBytes: 10 };
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    const report = await h.sync.syncRecent();
    expect(report.failed).toMatchObject([
      { code: 'UPLOAD_TIMEOUT', message: expect.stringMatching(/HTTP 504/) },
    ]);
    expect(h.garmin.uploads()).toHaveLength(1);
    expect(calls(h, READ)).toHaveLength(1 + 3); // the range read, then 3 polls after the 504
    expect(h.alerts.map((a) => a.type)).toEqual(['NOT_STORED']);
  });

  it('any other upload failure stops the batch: files already sent are confirmed, the rest wait', async () => {
    const h = await harness();
    const sync = h.another({ garmin: { ...h.config.garmin, maxUploadEntries: 2 } });
    const range = addHistory(h, 5);
    // The first upload passes untouched, the second gets a 403.
    h.garmin.faults.add({ kind: 'rewrite-json', rewrite: (body) => body }, 1, UPLOAD);
    h.garmin.faults.add('forbidden', 1, UPLOAD);
    const report = await sync.backfill({ ...range, batchSize: 5 });
    expect(report.synced).toHaveLength(2);
    expect(report.failed).toMatchObject([{ code: 'FORBIDDEN' }]);
    expect(report.failed[0]?.groupIds).toHaveLength(3);
    expect(calls(h, UPLOAD)).toHaveLength(2); // the third file was not tried
    const next = await sync.backfill({ ...range, batchSize: 5 });
    expect(next.failed).toEqual([]);
    expect(next.synced).toHaveLength(3);
    expectEachOnce(h, 5);
  });
});
