import { startHttpServer } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthRecord } from '../src/store/state.js';
import { type Harness, harness, minutesAgo } from './harness.js';

const WEBHOOK_SECRET = 'hook-secret-0123456789';
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

type Line = { level: string; event: string; [field: string]: unknown };
const lines = (h: Harness): Line[] => h.logs.map((l) => JSON.parse(l) as Line);
const logged = (h: Harness, event: string) => lines(h).filter((l) => l.event === event);

/** A public endpoint standing in for the deployment; `up = false` answers 503 (what Withings' HEAD check sees). */
async function endpoint(h: Harness) {
  const state = { up: false };
  let sync: ReturnType<Harness['another']> | undefined;
  const server = await startHttpServer((request) =>
    state.up && sync ? sync.handler(request) : new Response('down', { status: 503 }),
  );
  servers.push(server);
  sync = h.another({ publicUrl: server.url, webhookSecret: WEBHOOK_SECRET });
  return { sync, state };
}

describe('reconcile: a failed subscription step is loud', { timeout: 30_000 }, () => {
  it('CALLBACK_UNREACHABLE: SUBSCRIPTION_LOST alert, warn lines, the failure in the report and in health; healed later', async () => {
    const h = await harness();
    const { sync, state } = await endpoint(h);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.5 });

    const report = await sync.reconcile();
    expect(report.ok).toBe(false);
    expect(report.accounts).toMatchObject([
      {
        userId: h.userId,
        subscription: 'failed',
        subscriptionError: { code: 'CALLBACK_UNREACHABLE' },
        error: { code: 'CALLBACK_UNREACHABLE' },
        report: { synced: [{ weightKg: 80.5 }] }, // the catch-up sync still ran
      },
    ]);
    expect(report.failures).toEqual([
      { userId: h.userId, step: 'subscription', code: 'CALLBACK_UNREACHABLE', message: expect.any(String) },
    ]);
    expect(report.alerts.map((a) => a.type)).toEqual(['SUBSCRIPTION_LOST']);
    expect(h.alerts.map((a) => a.type)).toEqual(['SUBSCRIPTION_LOST']); // hooks.onAlert
    const alert = h.alerts[0];
    expect(alert?.message).toContain('could not reach the callback');
    expect(alert?.message).toContain('wg-sync webhook subscribe');
    expect(alert?.message).not.toContain(WEBHOOK_SECRET);
    expect(logged(h, 'subscription.lost')).toMatchObject([{ level: 'warn', code: 'CALLBACK_UNREACHABLE' }]);
    expect(logged(h, 'reconcile.completed')).toMatchObject([
      {
        level: 'warn',
        subscriptionsFailed: 1,
        syncsFailed: 0,
        failures: [`${h.userId}:subscription:CALLBACK_UNREACHABLE`],
      },
    ]);
    const health = (await h.store.get<HealthRecord>(`health/${h.userId}`))?.value;
    expect(health?.subscription).toMatchObject({
      present: false,
      lostAt: expect.any(String),
      error: { code: 'CALLBACK_UNREACHABLE' },
    });
    expect(JSON.stringify(report) + h.logs.join('\n')).not.toContain(WEBHOOK_SECRET);

    // Still broken on the next pass: no second alert today, but the pass is still a failure and still warns.
    const again = await sync.reconcile();
    expect(again.ok).toBe(false);
    expect(again.alerts).toEqual([]);
    expect(logged(h, 'reconcile.completed').map((l) => l.level)).toEqual(['warn', 'warn']);

    // The endpoint comes up: the next pass re-subscribes, is ok, logs at info, and health forgets the loss.
    state.up = true;
    const healed = await sync.reconcile();
    expect(healed).toMatchObject({ ok: true, failures: [], accounts: [{ subscription: 'restored' }] });
    expect(logged(h, 'reconcile.completed').map((l) => l.level)).toEqual(['warn', 'warn', 'info']);
    const after = (await h.store.get<HealthRecord>(`health/${h.userId}`))?.value;
    expect(after?.subscription).toEqual({
      checkedAt: expect.any(String),
      present: true,
      restoredAt: expect.any(String),
    });
  });

  it('a Withings 5xx while listing subscriptions is a lost subscription too', async () => {
    const h = await harness();
    const { sync } = await endpoint(h);
    h.withings.faults.add({ http: 503 }, 1, '/notify');
    const report = await sync.reconcile();
    expect(report).toMatchObject({
      ok: false,
      accounts: [{ subscription: 'failed', subscriptionError: { code: 'UPSTREAM' } }],
      failures: [{ step: 'subscription', code: 'UPSTREAM' }],
    });
    expect(h.alerts.map((a) => a.type)).toEqual(['SUBSCRIPTION_LOST']);
    expect(h.alerts[0]?.message).toContain('Withings failed (UPSTREAM)');
    expect(logged(h, 'subscription.lost')).toMatchObject([{ level: 'warn', code: 'UPSTREAM' }]);
    expect(logged(h, 'reconcile.completed')).toMatchObject([{ level: 'warn' }]);
  });

  it('a refused Withings token: SUBSCRIPTION_LOST and REAUTH_REQUIRED, and the failed sync is reported too', async () => {
    const h = await harness();
    const { sync } = await endpoint(h);
    h.withings.revokeTokens(h.userId);
    const report = await sync.reconcile();
    expect(report.ok).toBe(false);
    expect(report.accounts[0]).toMatchObject({
      subscription: 'failed',
      subscriptionError: { code: 'REAUTH_REQUIRED' },
    });
    expect(report.failures.map((f) => [f.step, f.code])).toEqual([
      ['subscription', 'REAUTH_REQUIRED'],
      ['sync', 'REAUTH_REQUIRED'],
    ]);
    expect(h.alerts.map((a) => [a.type, a.side])).toEqual([
      ['SUBSCRIPTION_LOST', undefined],
      ['REAUTH_REQUIRED', 'withings'],
    ]);
    expect(h.alerts[0]?.message).toContain('wg-sync withings auth');
    expect(logged(h, 'sync.failed')).toMatchObject([
      { level: 'warn', failures: [{ code: 'REAUTH_REQUIRED' }] },
    ]);
  });
});

describe('reconcile: a failed catch-up sync is loud', { timeout: 30_000 }, () => {
  it('Garmin failing: warn lines for the sync and the pass, the failure in the report', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 70 });
    h.garmin.faults.add('server-error', 20);
    const report = await h.sync.reconcile();
    expect(report.accounts[0]?.subscription).toBe('skipped'); // no publicUrl
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual([
      { userId: h.userId, step: 'sync', code: 'UPSTREAM', message: expect.any(String) },
    ]);
    expect(logged(h, 'sync.failed')).toMatchObject([{ level: 'warn', trigger: 'reconcile' }]);
    expect(logged(h, 'reconcile.sync.failed')).toMatchObject([{ level: 'warn', failures: ['UPSTREAM'] }]);
    expect(logged(h, 'reconcile.completed')).toMatchObject([{ level: 'warn', syncsFailed: 1 }]);
  });

  it('a healthy pass is ok and logs reconcile.completed at info only', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 70 });
    const before = h.logs.length; // (creating the engine warned about the simulator URLs)
    const report = await h.sync.reconcile();
    expect(report).toMatchObject({ ok: true, failures: [] });
    expect(
      lines(h)
        .slice(before)
        .filter((l) => l.level === 'warn' || l.level === 'error'),
    ).toEqual([]);
    expect(logged(h, 'reconcile.completed')).toMatchObject([{ level: 'info', accounts: 1 }]);
  });
});
