import { describe, expect, it } from 'vitest';
import { memoryStore } from '../src/index.js';
import { expectBlockedByLease, harness, minutesAgo, notificationRequest } from './harness.js';

describe('leases', () => {
  it('a lease left by a crashed process blocks only until its TTL runs out', async () => {
    let clock = Date.now();
    const store = memoryStore({ now: () => new Date(clock) });
    const h = await expectBlockedByLease(store, 'dead-process');
    clock += 61_000;
    const report = await h.sync.syncRecent();
    expect(report.coalesced).toBe(false);
    expect(report.synced).toHaveLength(1);
  });
});

describe('webhook without waitUntil', () => {
  it('answers within its budget while Garmin is slow, and the sync still completes', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(2), weightKg: 73.3, notify: false });
    h.garmin.latencyMs = 2000;
    const now = Math.floor(Date.now() / 1000);
    const response = await h.sync.handler(
      notificationRequest(`userid=${h.userId}&appli=1&startdate=${now - 300}&enddate=${now}`),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(h.garmin.weighIns(h.email)).toHaveLength(0); // answered before the upload happened
    h.garmin.latencyMs = 0;
    const deadline = Date.now() + 15_000;
    while (h.garmin.weighIns(h.email).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });
});

describe('TOKEN_EXPIRING', () => {
  it('warns when a refresh token has not been renewed for nearly its lifetime', async () => {
    const h = await harness();
    const key = `withings/${h.userId}/tokens`;
    const stored = await h.store.get<Record<string, unknown>>(key);
    await h.store.put(key, {
      ...stored?.value,
      savedAt: new Date(Date.now() - 360 * 86_400_000).toISOString(),
    });
    const report = await h.sync.reconcile();
    expect(report.alerts).toMatchObject([{ type: 'TOKEN_EXPIRING', side: 'withings', userId: h.userId }]);
    expect((await h.sync.reconcile()).alerts).toEqual([]); // once a day, not on every pass
  });
});
