import { describe, expect, it } from 'vitest';
import { harness, linkSecondAccount, minutesAgo } from './harness.js';

describe('several processes over one store', () => {
  it('two createSync instances refreshing the same Withings tokens at once end with one valid pair', async () => {
    const h = await harness({ store: 'file' });
    // Make the stored access token due for a refresh in both "processes".
    const key = `withings/${h.userId}/tokens`;
    const stored = await h.store.get<Record<string, unknown>>(key);
    await h.store.put(key, { ...stored?.value, expiresAt: new Date(Date.now() - 1000).toISOString() });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 80.8 });
    const [a, b] = [h.another(), h.another()];
    h.withings.latencyMs = 20;
    const reports = await Promise.all([a.syncRecent(), b.syncRecent(), a.syncRecent(), b.syncRecent()]);
    h.withings.latencyMs = 0;
    expect(reports.flatMap((r) => r.failed)).toEqual([]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    const final = await h.store.get<{ accessToken: string; refreshToken: string }>(key);
    expect(h.withings.isAccessTokenValid(final?.value.accessToken ?? '')).toBe(true);
    expect(h.withings.isRefreshTokenValid(final?.value.refreshToken ?? '')).toBe(true);
    // and the stored pair keeps working for a later sync
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(1), weightKg: 80.9 });
    expect((await h.another().syncRecent()).synced).toHaveLength(1);
  });

  it('a sync in another process holds the lease: the trigger is left pending and drained by the window’s closing sync', async () => {
    const h = await harness({ store: 'file' });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 70.7, notify: false });
    const [a, b] = [h.another(), h.another()];
    h.garmin.latencyMs = 50;
    const now = Math.floor(Date.now() / 1000);
    const background: Promise<unknown>[] = [];
    const notify = (sync: typeof a) =>
      sync.handler(
        new Request('http://x/webhook/withings', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `userid=${h.userId}&appli=1&startdate=${now - 600}&enddate=${now}`,
        }),
        { waitUntil: (p) => void background.push(p) },
      );
    await Promise.all([notify(a), notify(b)]);
    await Promise.all(background);
    // One of the two claimed the window's first sync, the other its closing one (held in-process).
    await Promise.all([a.flush(), b.flush()]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined();
    expect(await h.store.get(`lock/${h.userId}`)).toBeUndefined();
  });

  it('two users on one deployment: each weigh-in lands only in its own Garmin account', async () => {
    const h = await harness();
    const { userId: bo, email: boEmail } = await linkSecondAccount(h);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 61.1 });
    h.withings.addWeighIn(bo, { takenAt: minutesAgo(29), weightKg: 91.9 });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(28), weightKg: 61.3 });
    await Promise.all([h.sync.syncRecent({ userId: h.userId }), h.sync.syncRecent({ userId: bo })]);
    expect(h.garmin.weighIns(h.email).map((w) => w.weight)).toEqual([61100, 61300]);
    expect(h.garmin.weighIns(boEmail).map((w) => w.weight)).toEqual([91900]);
  });
});
