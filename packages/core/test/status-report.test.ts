import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AccountStatus, StatusReport, Sync } from '../src/index.js';
import { harness, notificationRequest } from './harness.js';

const API_TOKEN = 'api-token-0123456789abcdef';
const PUBLIC_URL = 'https://sync.example.com';
const SECRET = 'hook-secret-7f3a9c1e5b2d8f4a';

/** Every field an account entry may carry: the type and this list must name the same keys. */
const FIELDS: Record<keyof AccountStatus, true> = {
  userId: true,
  linkedAt: true,
  unlinkedAt: true,
  lastSuccessAt: true,
  lastAttemptAt: true,
  lastError: true,
  reauthRequired: true,
  subscription: true,
  pending: true,
  withings: true,
  garmin: true,
  intervals: true,
  health: true,
  lastNotificationAt: true,
  recentSyncs: true,
  destinations: true,
  trend: true,
  held: true,
};

describe('sync.status()', () => {
  it('is typed: Promise<StatusReport>', () => {
    expectTypeOf<ReturnType<Sync['status']>>().toEqualTypeOf<Promise<StatusReport>>();
    expectTypeOf<StatusReport['accounts']>().toEqualTypeOf<AccountStatus[]>();
  });

  it('is exactly what GET /status answers, for a linked world with every section filled', async () => {
    const h = await harness({
      config: { apiToken: API_TOKEN, publicUrl: PUBLIC_URL, webhookSecret: SECRET },
    });
    await h.sync.syncRecent();
    await h.sync.reconcile();
    // Deferred: the notification stays pending, so `pending` is not null.
    const accepted = await h.sync.handler(
      notificationRequest(
        `userid=${h.userId}&appli=1&startdate=1741588937&enddate=1741588938`,
        `/webhook/withings/${SECRET}`,
      ),
      { defer: async () => {} },
    );
    expect(accepted.status).toBe(200);
    // A second account, unlinked, so `unlinkedAt` shows too.
    const [own] = await h.store.list('account/');
    await h.store.put('account/4242', {
      ...(own?.value as object),
      userId: '4242',
      unlinkedAt: '2026-01-02T00:00:00.000Z',
    });

    const response = await h.sync.handler(
      new Request('http://wg-sync.local/status', { headers: { authorization: `Bearer ${API_TOKEN}` } }),
    );
    expect(response.status).toBe(200);
    const answered = await response.json();
    const report = await h.sync.status();
    expect(answered).toEqual(JSON.parse(JSON.stringify(report)));

    const mine = report.accounts.find((a) => a.userId === h.userId);
    expect(mine).toMatchObject({
      lastSuccessAt: expect.any(String),
      lastAttemptAt: expect.any(String),
      lastError: null,
      reauthRequired: [],
      subscription: { present: expect.any(Boolean), checkedAt: expect.any(String) },
      pending: { count: 1, since: expect.any(String) },
      withings: { accessTokenExpiresAt: expect.any(String), refreshedAt: expect.any(String) },
      garmin: { refreshedAt: expect.any(String) },
    });
    expect(mine).not.toHaveProperty('unlinkedAt');
    expect(report.accounts.find((a) => a.userId === '4242')).toMatchObject({
      unlinkedAt: '2026-01-02T00:00:00.000Z',
      lastSuccessAt: null,
      pending: null,
      withings: null,
      garmin: null,
    });
    // Nothing beyond what the type declares.
    for (const account of answered.accounts)
      expect(Object.keys(account).filter((key) => !(key in FIELDS))).toEqual([]);
    expect(Object.keys(answered)).toEqual(['accounts']);
  });
});
