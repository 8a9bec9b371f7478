import { startHttpServer } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncAlert } from '../src/index.js';
import { type Harness, harness, minutesAgo } from './harness.js';

/*
 * The audit of issue 13 §4: every non-ok outcome of sync, reconcile and doctor reaches a person's
 * channel — `hooks.onAlert`, `hooks.onError` (one per failed entry of a sync, which cannot throw: a
 * webhook must still be answered 200), a thrown typed error, or for doctor the report it was asked
 * for (`ok: false`) — AND a warn/error log line. Each case runs against the simulators.
 */

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

interface Capture {
  h: Harness;
  alerts: SyncAlert[];
  errors: Array<{ code: string; message: string; userId?: string }>;
  /** Log lines at warn or error since the scenario started (or since `mark()`). */
  loud(): Array<{ level: string; event: string }>;
  mark(): void;
}

async function setup(overrides: Parameters<typeof harness>[0] = {}): Promise<Capture> {
  const alerts: SyncAlert[] = [];
  const errors: Capture['errors'] = [];
  const h = await harness({
    ...overrides,
    config: {
      ...overrides.config,
      hooks: { onAlert: (a) => void alerts.push(a), onError: (e) => void errors.push(e) },
    },
  });
  let from = h.logs.length; // creating the engine warns about the simulator URLs; not a failure
  return {
    mark: () => {
      from = h.logs.length;
    },
    h,
    alerts,
    errors,
    loud: () =>
      h.logs
        .slice(from)
        .map((l) => JSON.parse(l))
        .filter((l) => l.level === 'warn' || l.level === 'error'),
  };
}

describe('nothing fails silently', { timeout: 30_000 }, () => {
  it('sync, Withings 5xx: onError and a sync.failed warn line', async () => {
    const c = await setup();
    c.h.withings.faults.add({ http: 502 }, 1, '/measure');
    const report = await c.h.sync.syncRecent();
    expect(report.failed.map((f) => f.code)).toEqual(['UPSTREAM']);
    expect(c.errors).toMatchObject([{ code: 'UPSTREAM', userId: c.h.userId }]);
    expect(c.loud()).toMatchObject([{ level: 'warn', event: 'sync.failed' }]);
  });

  it('sync, Garmin refuses the session (REAUTH_REQUIRED): an alert and warn lines', async () => {
    const c = await setup();
    const key = `garmin/${c.h.userId}/session`;
    const stored = await c.h.store.get<Record<string, unknown>>(key);
    await c.h.store.put(key, { ...stored?.value, refreshToken: 'eyJyZWZyZXNoVG9rZW5WYWx1ZSI6Im5vcGUifQ==' });
    c.h.garmin.revokeAccessTokens(c.h.email);
    const report = await c.h.sync.syncRecent();
    expect(report.failed.map((f) => f.code)).toEqual(['REAUTH_REQUIRED']);
    expect(c.alerts).toMatchObject([{ type: 'REAUTH_REQUIRED', side: 'garmin' }]);
    expect(c.loud().map((l) => l.event)).toEqual(['alert', 'sync.failed']);
  });

  it('reconcile, subscription lost: SUBSCRIPTION_LOST and warn lines', async () => {
    const c = await setup();
    const down = await startHttpServer(() => new Response('down', { status: 503 }));
    servers.push(down);
    const sync = c.h.another({ publicUrl: down.url, webhookSecret: 'hook-secret-0123456789' });
    c.mark();
    const report = await sync.reconcile();
    expect(report.ok).toBe(false);
    expect(c.alerts.map((a) => a.type)).toEqual(['SUBSCRIPTION_LOST']);
    expect(c.loud().map((l) => l.event)).toEqual(['subscription.lost', 'alert', 'reconcile.completed']);
  });

  it('reconcile, a failed catch-up sync (Withings 5xx): onError, ok false and warn lines', async () => {
    const c = await setup();
    c.h.withings.addWeighIn(c.h.userId, { takenAt: minutesAgo(20), weightKg: 72 });
    c.h.withings.faults.add({ http: 500 }, 1, '/measure');
    const report = await c.h.sync.reconcile();
    expect(report).toMatchObject({ ok: false, failures: [{ step: 'sync', code: 'UPSTREAM' }] });
    expect(c.errors).toMatchObject([{ code: 'UPSTREAM' }]);
    expect(c.loud().map((l) => l.event)).toEqual([
      'sync.failed',
      'reconcile.sync.failed',
      'reconcile.completed',
    ]);
  });

  it('doctor, a failing check: the report says ok false, and one warn line per failing check', async () => {
    const c = await setup();
    c.h.withings.revokeTokens(c.h.userId);
    const report = await c.h.sync.doctor();
    expect(report.ok).toBe(false);
    const failing = report.accounts[0]?.checks.filter((x) => x.status === 'fail').map((x) => x.name);
    expect(failing).toEqual(['Withings token']);
    expect(c.loud()).toMatchObject([
      { level: 'warn', event: 'doctor.check.failed', check: 'Withings token' },
      { level: 'warn', event: 'doctor.completed' },
    ]);
  });
});
