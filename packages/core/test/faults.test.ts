import { type SimHttpServer, startHttpServer } from '@wg-sync/testkit';
import { WithingsClient } from '@wg-sync/withings';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sync } from '../src/index.js';
import { harness, minutesAgo } from './harness.js';

const servers: SimHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('failures are surfaced, nothing is lost', () => {
  it('a phantom Garmin upload (202, nothing stored) is NOT_STORED with an alert, and retried next time', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 82.2 });
    h.garmin.faults.add('phantom-upload');
    const first = await h.sync.syncRecent();
    expect(first.synced).toEqual([]);
    expect(first.failed).toMatchObject([{ code: 'NOT_STORED' }]);
    expect(first.cursor).toBeUndefined();
    expect(h.alerts.map((a) => a.type)).toEqual(['NOT_STORED']);
    expect(await h.store.list('ledger/')).toEqual([]);
    const second = await h.sync.syncRecent();
    expect(second.synced.map((s) => s.weightKg)).toEqual([82.2]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it.each(['empty-array-upload', 'empty-body-upload'] as const)(
    'a Garmin %s answer is a failure, never a success',
    async (fault) => {
      const h = await harness();
      h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 82.2 });
      h.garmin.faults.add(fault);
      const report = await h.sync.syncRecent();
      expect(report.synced).toEqual([]);
      expect(report.failed).toMatchObject([{ code: 'PROTOCOL' }]);
      expect((await h.sync.syncRecent()).synced).toHaveLength(1);
    },
  );

  it('Withings 601 fails the sync with RATE_LIMITED; nothing calls Withings for wait_seconds; the next sync then gets everything', async () => {
    let skewMs = 0;
    const h = await harness({ config: { now: () => new Date(Date.now() + skewMs) } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 75.5 });
    h.withings.faults.add({ status: 601, waitSeconds: 68 }, 1, '/measure');
    const first = await h.sync.syncRecent();
    expect(first.failed).toMatchObject([{ code: 'RATE_LIMITED' }]);
    expect(first.cursor).toBeUndefined();
    const calls = h.withings.requests.length;
    const held = await h.sync.syncRecent();
    expect(held.failed).toMatchObject([{ code: 'RATE_LIMITED', side: 'withings' }]);
    expect(held.failed[0]?.message).toMatch(/backing off after a 601/);
    expect(h.withings.requests.length).toBe(calls);
    skewMs += 68_000;
    expect((await h.sync.syncRecent()).synced.map((s) => s.weightKg)).toEqual([75.5]);
  });

  it('a dead Withings refresh token (503) raises REAUTH_REQUIRED and leaves the cursor; re-linking recovers', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(120), weightKg: 80 });
    const ok = await h.sync.syncRecent();
    const cursor = await h.store.get(`cursor/${h.userId}`);
    expect(ok.cursor).toBeDefined();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 80.6 });
    h.withings.revokeTokens(h.userId);
    const failed = await h.sync.syncRecent();
    expect(failed.failed).toMatchObject([{ code: 'REAUTH_REQUIRED' }]);
    expect(h.alerts).toMatchObject([{ type: 'REAUTH_REQUIRED', side: 'withings' }]);
    expect(await h.store.get(`cursor/${h.userId}`)).toEqual(cursor);
    const garmin = (await h.store.get<Record<string, unknown>>(`garmin/${h.userId}/session`))?.value;
    const { garminLogin } = await import('@wg-sync/garmin');
    await h.sync.accounts.link({
      withings: h.withings.issueTokens(h.userId),
      garmin: garmin
        ? await garminLogin({ email: h.email, password: 'pw-ana-123456', urls: h.garmin.urls })
        : (undefined as never),
    });
    expect((await h.sync.syncRecent()).synced.map((s) => s.weightKg)).toEqual([80.6]);
  });

  it('an expired Garmin access token mid-sync (401) is refreshed and the call retried', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 88.8 });
    h.garmin.revokeAccessTokens(h.email);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.synced).toHaveLength(1);
    const stored = await h.store.get<{ accessToken: string }>(`garmin/${h.userId}/session`);
    expect(h.garmin.requests.at(-1)?.headers.authorization).toBe(`Bearer ${stored?.value.accessToken}`);
  });

  it('Garmin 429 then 5xx on reads is retried; the sync succeeds', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 66.6 });
    h.garmin.faults.add({ kind: 'rate-limited', retryAfterSeconds: 0 }, 1, /weight\/range/);
    h.garmin.faults.add('server-error', 1, /weight\/range/);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.synced).toHaveLength(1);
  });

  it('when Garmin cannot be read, nothing is uploaded (no blind duplicates) and the sync fails clearly', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 66.6 });
    h.garmin.faults.add('server-error', 10, /weight\/range/);
    const report = await h.sync.syncRecent();
    expect(report.failed).toMatchObject([{ code: 'UPSTREAM' }]);
    expect(h.garmin.uploads()).toHaveLength(0);
    h.garmin.faults.clear();
    expect((await h.sync.syncRecent()).synced).toHaveLength(1);
  });

  it('a Garmin 409 duplicate answer is checked by reading back, not trusted', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 66.6 });
    h.garmin.faults.add('duplicate-upload');
    const report = await h.sync.syncRecent();
    expect(report.failed).toMatchObject([{ code: 'NOT_STORED' }]);
    expect((await h.sync.syncRecent()).synced).toHaveLength(1);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });
});

describe('reconcile', () => {
  it('re-creates a subscription Withings dropped after failed deliveries, and syncs what was missed', async () => {
    const h = await harness();
    let up = true;
    let sync: Sync | undefined;
    const server = await startHttpServer((request) =>
      up && sync ? sync.handler(request) : new Response('down', { status: 503 }),
    );
    servers.push(server);
    sync = h.another({ publicUrl: server.url, webhookSecret: 'hook-secret-0123456789' });
    const client = new WithingsClient({
      clientId: h.withings.clientId,
      clientSecret: h.withings.clientSecret,
      baseUrl: h.withings.url,
      tokens: h.withings.issueTokens(h.userId),
    });
    await client.notify.subscribe({ callbackUrl: sync.webhookUrl ?? '', appli: 1 });
    up = false; // the endpoint is down for a while
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 90.1 });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 90.2 });
    await h.withings.settled();
    expect(h.withings.subscriptions(h.userId)).toEqual([]); // dropped after 2 failed notifications
    up = true;
    const report = await sync.reconcile();
    expect(report.accounts).toMatchObject([{ userId: h.userId, subscription: 'restored' }]);
    expect(report.accounts[0]?.report?.synced.map((s) => s.weightKg)).toEqual([90.1, 90.2]);
    expect(h.withings.subscriptions(h.userId).map((s) => s.callbackUrl)).toEqual([sync.webhookUrl]);
    expect(h.alerts.map((a) => a.type)).toContain('SUBSCRIPTION_RESTORED');
    const again = await sync.reconcile();
    expect(again.accounts[0]?.subscription).toBe('ok');
  });

  it('without publicUrl the subscription check is skipped but the catch-up sync runs', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 70 });
    const report = await h.sync.reconcile();
    expect(report.accounts).toMatchObject([
      { subscription: 'skipped', report: { synced: [{ weightKg: 70 }] } },
    ]);
  });

  it('raises STALE when nothing succeeded for longer than staleAfterDays', async () => {
    let offset = 0;
    const h = await harness({ config: { staleAfterDays: 2, now: () => new Date(Date.now() + offset) } });
    offset = 3 * 86_400_000;
    h.withings.revokeTokens(h.userId);
    const report = await h.sync.reconcile();
    expect(report.alerts.map((a) => a.type).sort()).toEqual(['REAUTH_REQUIRED', 'STALE']);
  });
});
