import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStore, type SyncReport } from '../src/index.js';
import { type Harness, harness, minutesAgo, notificationRequest } from './harness.js';

const DAY_MS = 86_400_000;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const forged = (userId: string, start = 1) =>
  `userid=${userId}&appli=1&startdate=${start}&enddate=${nowSeconds()}`;

/** Withings `getmeas` calls (the sync's fetch, not the height check), with their parameters. */
const getmeas = (requests: Array<{ path: string; body: string }>) =>
  requests
    .filter((r) => r.path === '/measure')
    .map((r) => new URLSearchParams(r.body))
    .filter((p) => p.get('action') === 'getmeas' && p.get('meastypes') !== '4');

/** A weigh-in taken (and arrived) `years` ago: only a read from 1970, never one from the cursor, finds it. */
function addYearsOldWeighIn(h: Harness, years: number, weightKg: number): void {
  const takenAt = new Date(Date.now() - years * 365 * DAY_MS);
  h.withings.addWeighIn(h.userId, { takenAt, arrivedAt: takenAt, weightKg, notify: false });
}

describe('forged webhooks cost at most two syncs per user per debounce window', () => {
  it('200 forged POSTs for a known user: one sync at once, one when the window ends, then no more', async () => {
    let clock = Date.now();
    const reports: SyncReport[] = [];
    const h = await harness({
      store: 'file',
      config: { now: () => new Date(clock), hooks: { onReport: (r) => void reports.push(r) } },
    });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(2), weightKg: 74.4, notify: false });
    const upstreamBefore = h.withings.requests.length + h.garmin.requests.length;
    const background: Promise<unknown>[] = [];
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        h.sync.handler(notificationRequest(forged(h.userId, 1 + i)), {
          waitUntil: (p) => void background.push(p),
        }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await Promise.all(background);
    expect(reports).toHaveLength(1); // the window's first sync; the closing one is still held
    await h.sync.flush(); // the window's end, brought forward
    expect(reports).toHaveLength(2);
    const upstream = h.withings.requests.length + h.garmin.requests.length - upstreamBefore;
    expect(upstream).toBe(reports.reduce((n, r) => n + r.upstreamCalls.withings + r.upstreamCalls.garmin, 0));
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined();

    // Still inside the window that closing sync opened: nothing more, however many arrive.
    const more = await Promise.all(
      Array.from({ length: 50 }, () =>
        h.sync.handler(notificationRequest(forged(h.userId)), { waitUntil: (p) => void background.push(p) }),
      ),
    );
    await Promise.all(background);
    expect(more.every((a) => a.status === 200)).toBe(true);
    expect(reports).toHaveLength(2);

    // The next window: again one at once.
    clock += 2 * 60_000;
    await h.sync.handler(notificationRequest(forged(h.userId)), {
      waitUntil: (p) => void background.push(p),
    });
    await Promise.all(background);
    expect(reports).toHaveLength(3);
  });

  it('the bound holds across processes sharing one store', async () => {
    const reports: SyncReport[] = [];
    const h = await harness({ store: 'file', config: { hooks: { onReport: (r) => void reports.push(r) } } });
    const engines = [h.another(), h.another(), h.another()];
    const background: Promise<unknown>[] = [];
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        (engines[i % engines.length] ?? h.sync).handler(notificationRequest(forged(h.userId)), {
          waitUntil: (p) => void background.push(p),
        }),
      ),
    );
    await Promise.all(background);
    await Promise.all(engines.map((e) => e.flush()));
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.length).toBeLessThanOrEqual(2);
  });

  it('a notification for an unknown user costs no upstream call and no write', async () => {
    const h = await harness({ store: 'file' });
    const before = (await h.store.list('')).map((e) => `${e.key}@${e.version}`);
    const upstream = h.withings.requests.length + h.garmin.requests.length;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => h.sync.handler(notificationRequest(forged(String(1000 + i))))),
    );
    expect((await h.store.list('')).map((e) => `${e.key}@${e.version}`)).toEqual(before);
    expect(h.withings.requests.length + h.garmin.requests.length).toBe(upstream);
  });

  it('the window is configurable, and refused outside 1–3600 s', async () => {
    await expect(harness({ config: { webhookDebounceSeconds: 0 } })).rejects.toThrow(
      /webhookDebounceSeconds must be a whole number of seconds from 1 to 3600/,
    );
    const h = await harness({ config: { webhookDebounceSeconds: 1 } });
    const record = async () => {
      await h.sync.handler(notificationRequest(forged(h.userId)), { defer: async () => undefined });
      return (await h.store.get<{ windowStartedAt: string }>(`debounce/${h.userId}`))?.value;
    };
    const first = await record();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await record();
    expect(second?.windowStartedAt).not.toBe(first?.windowStartedAt); // a new window after 1 s
  });
});

describe('a notification never sets what the sync reads', () => {
  it('a forged startdate=1 reads from the cursor, not from 1970: years-old weigh-ins stay out', async () => {
    const h = await harness();
    addYearsOldWeighIn(h, 3, 99.9);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(3), weightKg: 70.1, notify: false });
    const first = await h.sync.syncRecent();
    expect(first.synced.map((s) => s.weightKg)).toEqual([70.1]);
    const cursor = (await h.store.get<{ lastUpdate: number }>(`cursor/${h.userId}`))?.value.lastUpdate ?? 0;

    const before = h.withings.requests.length;
    const background: Promise<unknown>[] = [];
    await h.sync.handler(notificationRequest(forged(h.userId, 1)), {
      waitUntil: (p) => void background.push(p),
    });
    await Promise.all(background);
    const [fetch] = getmeas(h.withings.requests.slice(before));
    expect(fetch?.get('startdate')).toBeNull();
    expect(Number(fetch?.get('lastupdate'))).toBe(cursor - 300);
    expect(h.garmin.weighIns(h.email).map((w) => w.weight)).toEqual([70100]);
  });

  it('a pending record an earlier version wrote with since=1 is harmless (state written by 0.1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wg-sync-old-pending-'));
    try {
      const h = await harness({ config: { store: fileStore(dir) } });
      addYearsOldWeighIn(h, 2, 88.8);
      h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(4), weightKg: 71.2, notify: false });
      // The file 0.1's PendingWriter left after a forged `startdate=1`: version envelope, 0600.
      const pending = {
        since: 1,
        count: 3,
        firstAt: '2026-11-30T10:00:00.000Z',
        lastAt: '2026-11-30T10:00:05.000Z',
      };
      await writeFile(join(dir, `pending+${h.userId}.json`), JSON.stringify({ version: 7, value: pending }), {
        mode: 0o600,
      });
      const report = await h.sync.reconcile();
      expect(report.accounts[0]?.report?.synced.map((s) => s.weightKg)).toEqual([71.2]);
      expect(h.garmin.weighIns(h.email).map((w) => w.weight)).toEqual([71200]);
      expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined(); // drained, never stuck
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a person can still widen the read: syncRecent({ days }) reads back that far', async () => {
    const h = await harness();
    await h.sync.syncRecent();
    const before = h.withings.requests.length;
    await h.sync.syncRecent({ days: 30 });
    const [fetch] = getmeas(h.withings.requests.slice(before));
    expect(Number(fetch?.get('lastupdate'))).toBeLessThanOrEqual(nowSeconds() - 30 * 86_400 + 5);
  });
});
