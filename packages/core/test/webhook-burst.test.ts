import { garminLogin } from '@wg-sync/garmin';
import { describe, expect, it } from 'vitest';
import type { SyncReport } from '../src/index.js';
import { harness, minutesAgo, notificationRequest } from './harness.js';

const notification = (userId: string) => {
  const now = Math.floor(Date.now() / 1000);
  return `userid=${userId}&appli=1&startdate=${now - 300}&enddate=${now}`;
};

describe('bursts of webhooks', () => {
  it('50 at once for one user on the file store: every one answered 200, one record, one upload', async () => {
    const h = await harness({ store: 'file' });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(3), weightKg: 72.4, notify: false });
    const background: Promise<unknown>[] = [];
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        h.sync.handler(notificationRequest(notification(h.userId)), {
          waitUntil: (p) => void background.push(p),
        }),
      ),
    );
    // Before batching, 50 compare-and-swap writes of one pending record fought each other and the
    // losers past 20 retries answered 500 — notifications Withings then had to deliver again.
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    await Promise.all(background);
    // The burst's closing sync (debounce window end) drains what arrived after the first one started.
    await h.sync.flush();
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    expect(h.garmin.uploads()).toHaveLength(1);
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined();
  });

  it('notifications that arrive while a pending write is in flight are all counted', async () => {
    const h = await harness({ store: 'file' });
    await Promise.all(
      Array.from({ length: 30 }, () =>
        h.sync.handler(notificationRequest(notification(h.userId)), { defer: async () => undefined }),
      ),
    );
    const pending = await h.store.get<{ count: number }>(`pending/${h.userId}`);
    expect(pending?.value.count).toBe(30);
  });

  it('runs at most maxConcurrentSyncs syncs at once across accounts; the others wait their turn', async () => {
    const reports: SyncReport[] = [];
    const h = await harness({
      config: { maxConcurrentSyncs: 2, hooks: { onReport: (r) => void reports.push(r) } },
    });
    const garminTokens = await garminLogin({
      email: h.email,
      password: 'pw-ana-123456',
      urls: h.garmin.urls,
    });
    const users = [h.userId];
    for (let i = 0; i < 4; i += 1) {
      const userId = h.withings.addUser({ timeZone: 'Europe/Berlin' });
      await h.sync.accounts.link({ withings: h.withings.issueTokens(userId), garmin: garminTokens });
      users.push(userId);
    }
    h.withings.latencyMs = 60;
    const done = await Promise.all(users.map((userId) => h.sync.syncRecent({ userId })));
    expect(done.every((r) => r.failed.length === 0)).toBe(true);
    // Each sync takes over 60 ms (one Withings latency at least); trimming 5 ms off both ends keeps
    // millisecond rounding of startedAt/durationMs from making back-to-back syncs look concurrent.
    const intervals = reports.map((r) => {
      const start = Date.parse(r.startedAt);
      return { start: start + 5, end: start + r.durationMs - 5 };
    });
    const overlap = Math.max(
      ...intervals.map(({ start }) => intervals.filter((i) => i.start <= start && start < i.end).length),
    );
    expect(reports).toHaveLength(5);
    expect(overlap).toBeLessThanOrEqual(2);
    expect(overlap).toBe(2);
  });
});
