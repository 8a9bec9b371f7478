import { WithingsClient } from '@wg-sync/withings';
import { describe, expect, it } from 'vitest';
import { AccountNotFoundError, type BackfillProgress } from '../src/index.js';
import { harness, minutesAgo } from './harness.js';

const DAY = 86_400_000;

describe('doctor', () => {
  it('passes real checks on a healthy setup, and fails clearly when a session is gone', async () => {
    const h = await harness({
      config: { apiToken: 'api-token-0123456789abcdef', webhookSecret: 'hook-secret-0123456789' },
    });
    await h.sync.syncRecent();
    const healthy = await h.sync.doctor();
    const names = (checks: Array<{ name: string; status: string }>) =>
      Object.fromEntries(checks.map((c) => [c.name, c.status]));
    expect(names(healthy.accounts[0]?.checks ?? [])).toMatchObject({
      'Withings token': 'ok',
      'Garmin session': 'ok',
      subscription: 'warn', // no publicUrl
      'last success': 'ok',
      'pending notifications': 'ok',
      ledger: 'ok',
    });
    expect(healthy.ok).toBe(true);
    const refreshes = h.withings.requests.filter((r) => r.path === '/v2/oauth2');
    expect(refreshes.length).toBeGreaterThanOrEqual(1); // the Withings check is a real refresh

    h.garmin.revokeAccessTokens(h.email);
    h.garmin.faults.add('expired-token', 5);
    const broken = await h.sync.doctor();
    expect(broken.ok).toBe(false);
    const garminCheck = broken.accounts[0]?.checks.find((c) => c.name === 'Garmin session');
    expect(garminCheck).toMatchObject({ status: 'fail', fix: expect.stringContaining('garmin login') });
    const text = JSON.stringify(broken);
    for (const secret of [
      ...h.withings.secrets(),
      ...h.garmin.secrets(),
      'api-token-0123456789abcdef',
      'hook-secret-0123456789',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('reports a missing subscription for the public URL, and no accounts at all', async () => {
    const h = await harness();
    const sync = h.another({
      publicUrl: 'https://sync.example.org',
      webhookSecret: 'hook-secret-0123456789',
    });
    const report = await sync.doctor();
    expect(report.accounts[0]?.checks.find((c) => c.name === 'subscription')).toMatchObject({
      status: 'fail',
    });
    await sync.accounts.unlink(h.userId);
    const empty = await sync.doctor();
    expect(empty.checks.find((c) => c.name === 'accounts')).toMatchObject({ status: 'fail' });
    expect(empty.ok).toBe(false);
  });

  it('says so when the subscription is there', async () => {
    const h = await harness();
    const { startHttpServer } = await import('@wg-sync/testkit');
    const endpoint = await startHttpServer(() => new Response(null, { status: 200 }));
    try {
      const withUrl = h.another({ publicUrl: endpoint.url, webhookSecret: 'hook-secret-0123456789' });
      const client = new WithingsClient({
        clientId: h.withings.clientId,
        clientSecret: h.withings.clientSecret,
        baseUrl: h.withings.url,
        tokens: h.withings.issueTokens(h.userId),
      });
      await client.notify.subscribe({ callbackUrl: withUrl.webhookUrl ?? '' });
      expect(
        (await withUrl.doctor()).accounts[0]?.checks.find((c) => c.name === 'subscription')?.status,
      ).toBe('ok');
    } finally {
      await endpoint.close();
    }
  });
});

describe('backfill', () => {
  it('imports history in batches, reports progress, uploads one FIT per batch and leaves the cursor alone', async () => {
    const h = await harness();
    for (let day = 1; day <= 7; day += 1) {
      h.withings.addWeighIn(h.userId, {
        takenAt: new Date(Date.now() - day * DAY),
        weightKg: 70 + day / 10,
        notify: false,
      });
    }
    const progress: BackfillProgress[] = [];
    const report = await h.sync.backfill({
      from: new Date(Date.now() - 10 * DAY),
      batchSize: 3,
      onProgress: (p) => progress.push(p),
    });
    expect(report.trigger).toBe('backfill');
    expect(report.synced).toHaveLength(7);
    expect(progress.map((p) => p.done)).toEqual([3, 6, 7]);
    expect(h.garmin.uploads()).toHaveLength(3);
    expect(h.garmin.weighIns(h.email)).toHaveLength(7);
    expect(await h.store.get(`cursor/${h.userId}`)).toBeUndefined();
    const again = await h.sync.backfill({ from: new Date(Date.now() - 10 * DAY) });
    expect(again.synced).toEqual([]);
    expect(again.skipped.every((s) => s.reason === 'duplicate-ledger')).toBe(true);
  });

  it('a dry-run backfill only counts', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: new Date(Date.now() - 3 * DAY), weightKg: 70, notify: false });
    const report = await h.sync.backfill({ from: new Date(Date.now() - 5 * DAY), dryRun: true });
    expect(report.synced).toHaveLength(1);
    expect(h.garmin.uploads()).toHaveLength(0);
  });

  it('refuses impossible ranges', async () => {
    const h = await harness();
    await expect(h.sync.backfill({ from: new Date('x') })).rejects.toThrow(RangeError);
    await expect(h.sync.backfill({ from: new Date(), to: new Date(Date.now() - DAY) })).rejects.toThrow(
      RangeError,
    );
    await expect(h.sync.backfill({ from: new Date(0), batchSize: 0 })).rejects.toThrow(RangeError);
  });
});

describe('blood pressure (opt-in)', () => {
  it('syncs appli-4 readings to Garmin once, ledger-protected', async () => {
    const h = await harness({ config: { bloodPressure: true } });
    h.withings.addBloodPressure(h.userId, {
      takenAt: minutesAgo(30),
      systolic: 122,
      diastolic: 78,
      heartRate: 61,
    });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 80 });
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.synced.map((s) => s.bloodPressure ?? s.weightKg)).toEqual([
      80,
      { systolic: 122, diastolic: 78, pulse: 61 },
    ]);
    expect(h.garmin.bloodPressures(h.email)).toMatchObject([{ systolic: 122, diastolic: 78, pulse: 61 }]);
    const again = await h.sync.syncRecent({ days: 2 });
    expect(again.synced).toEqual([]);
    expect(h.garmin.bloodPressures(h.email)).toHaveLength(1);
  });

  it('is off by default: a BP group is reported as no-weight and not sent', async () => {
    const h = await harness();
    h.withings.addBloodPressure(h.userId, {
      takenAt: minutesAgo(30),
      systolic: 122,
      diastolic: 78,
      heartRate: 61,
    });
    const report = await h.sync.syncRecent();
    expect(report.skipped.map((s) => s.reason)).toEqual(['no-weight']);
    expect(h.garmin.bloodPressures(h.email)).toEqual([]);
  });
});

describe('accounts', () => {
  it('links, lists and unlinks; the ledger survives so relinking does not duplicate', async () => {
    const h = await harness();
    expect(await h.sync.accounts.list()).toMatchObject([{ userId: h.userId, timeZone: null }]);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 60 });
    await h.sync.syncRecent();
    expect((await h.sync.accounts.list())[0]?.timeZone).toBe('Europe/Berlin'); // learned from Withings
    await h.sync.accounts.unlink(h.userId);
    expect(await h.sync.accounts.list()).toEqual([]);
    await expect(h.sync.accounts.unlink(h.userId)).rejects.toBeInstanceOf(AccountNotFoundError);
    await expect(h.sync.syncRecent()).rejects.toBeInstanceOf(AccountNotFoundError);
    const { garminLogin } = await import('@wg-sync/garmin');
    await h.sync.accounts.link({
      withings: h.withings.issueTokens(h.userId),
      garmin: await garminLogin({ email: h.email, password: 'pw-ana-123456', urls: h.garmin.urls }),
      timeZone: 'America/New_York',
    });
    const report = await h.sync.syncRecent({ days: 2 });
    expect(report.synced).toEqual([]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('refuses malformed tokens and unknown time zones', async () => {
    const h = await harness();
    await expect(h.sync.accounts.link({ withings: {} as never, garmin: {} as never })).rejects.toThrow(
      TypeError,
    );
    await expect(
      h.sync.accounts.link({
        withings: h.withings.issueTokens(h.userId),
        garmin: { accessToken: 'a', refreshToken: 'b', clientId: 'c', expiresAt: null, domain: 'garmin.com' },
        timeZone: 'Mars/Olympus',
      }),
    ).rejects.toThrow(RangeError);
  });
});

describe('accounts in two steps (as the CLI links them)', () => {
  it('setWithings creates the account, syncs ask for Garmin until setGarmin, then work', async () => {
    const h = await harness();
    const other = h.withings.addUser();
    const created = await h.sync.accounts.setWithings(h.withings.issueTokens(other), {
      timeZone: 'Europe/Paris',
    });
    expect(created).toMatchObject({
      userId: other,
      timeZone: 'Europe/Paris',
      sessions: { withings: true, garmin: false },
    });
    const before = await h.sync.syncRecent({ userId: other });
    expect(before.failed).toMatchObject([{ code: 'REAUTH_REQUIRED' }]);
    h.garmin.addAccount({ email: 'cy@example.com', password: 'pw-cy-1234567' });
    const { garminLogin } = await import('@wg-sync/garmin');
    const linked = await h.sync.accounts.setGarmin(
      other,
      await garminLogin({ email: 'cy@example.com', password: 'pw-cy-1234567', urls: h.garmin.urls }),
    );
    expect(linked.sessions).toEqual({ withings: true, garmin: true, intervals: false });
    h.withings.addWeighIn(other, { takenAt: minutesAgo(3), weightKg: 55.5 });
    expect((await h.sync.syncRecent({ userId: other })).synced).toHaveLength(1);
    await expect(h.sync.accounts.setGarmin('424242', linked as never)).rejects.toBeInstanceOf(
      AccountNotFoundError,
    );
  });

  it('onReport sees every sync, failed and dry ones too', async () => {
    const reports: string[] = [];
    const h = await harness({
      config: {
        hooks: { onReport: (r) => void reports.push(`${r.trigger}:${r.dryRun}:${r.failed.length}`) },
      },
    });
    await h.sync.syncRecent({ dryRun: true });
    h.withings.faults.add({ http: 500 }, 1, '/measure');
    await h.sync.syncRecent();
    expect(reports).toEqual(['recent:true:0', 'recent:false:1']);
  });
});
