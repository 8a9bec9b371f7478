import { withingsClientFor } from './clients.js';
import type { Engine } from './context.js';
import { describeFailure, isReauth } from './failures.js';
import { needsReauth, raiseAlert } from './health.js';
import type { ReconcileReport, SyncAlert, SyncReport } from './report.js';
import { type AccountRecord, type HealthRecord, keys, update } from './state.js';
import { webhookUrl } from './webhook-url.js';

const DAY_MS = 86_400_000;
/** Refresh-token lifetimes as reported (Withings: 1 year, documented; Garmin DI: about 30 days). */
const REFRESH_LIFETIME_MS = { withings: 365 * DAY_MS, garmin: 30 * DAY_MS };
const EXPIRY_WARNING_MS = 7 * DAY_MS;

/**
 * The self-healing pass, for a schedule (every few hours): per account, make sure the Withings
 * subscription exists (re-subscribe when Withings dropped it), run a catch-up sync (which also drains
 * notifications that were received but not synced), and raise `STALE` / `TOKEN_EXPIRING` alerts.
 */
export async function reconcile(
  engine: Engine,
  sync: (userId: string) => Promise<SyncReport>,
): Promise<ReconcileReport> {
  const startedAt = engine.config.now();
  const t0 = performance.now();
  const alerts: SyncAlert[] = [];
  const listener = (alert: SyncAlert) => void alerts.push(alert);
  engine.alertListeners.add(listener);
  try {
    return await pass(engine, sync, alerts, startedAt, t0);
  } finally {
    engine.alertListeners.delete(listener);
  }
}

async function pass(
  engine: Engine,
  sync: (userId: string) => Promise<SyncReport>,
  alerts: SyncAlert[],
  startedAt: Date,
  t0: number,
): Promise<ReconcileReport> {
  const accounts: ReconcileReport['accounts'] = [];
  for (const { value: account } of await engine.config.store.list<AccountRecord>('account/')) {
    const userId = account.userId;
    if (account.unlinkedAt) {
      accounts.push({ userId, subscription: 'unlinked' });
      continue;
    }
    const entry: ReconcileReport['accounts'][number] = { userId, subscription: 'skipped' };
    try {
      entry.subscription = await ensureSubscription(engine, userId);
    } catch (error) {
      entry.subscription = 'failed';
      entry.error = describeFailure(engine, error);
      if (isReauth(error)) await needsReauth(engine, userId, 'withings', entry.error.message);
    }
    try {
      entry.report = await sync(userId);
    } catch (error) {
      entry.error ??= describeFailure(engine, error);
    }
    await staleAlert(engine, userId);
    await expiryAlerts(engine, userId);
    accounts.push(entry);
  }
  const report: ReconcileReport = {
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    accounts,
    alerts,
  };
  engine.log.info('reconcile.completed', {
    accounts: accounts.length,
    restored: accounts.filter((a) => a.subscription === 'restored').length,
    alerts: alerts.map((a) => a.type),
    durationMs: report.durationMs,
  });
  return report;
}

async function ensureSubscription(engine: Engine, userId: string): Promise<'ok' | 'restored' | 'skipped'> {
  const callbackUrl = webhookUrl(engine.config);
  if (!callbackUrl) return 'skipped';
  const client = await withingsClientFor(engine, userId, engine.config.fetch ?? globalThis.fetch);
  if (!client) return 'skipped';
  const wanted = engine.config.bloodPressure ? [1, 4] : [1];
  const present = await client.notify.list();
  const missing = wanted.filter(
    (appli) => !present.some((p) => p.appli === appli && p.callbackUrl === callbackUrl),
  );
  for (const appli of missing) await client.notify.subscribe({ callbackUrl, appli, comment: 'wg-sync' });
  const at = engine.config.now().toISOString();
  await update<HealthRecord>(engine.config.store, keys.health(userId), (current) => ({
    ...current,
    subscription: { checkedAt: at, present: true, ...(missing.length ? { restoredAt: at } : {}) },
  }));
  if (missing.length === 0) return 'ok';
  engine.log.warn('subscription.restored', { userId, applis: missing });
  await raiseAlert(engine, {
    type: 'SUBSCRIPTION_RESTORED',
    userId,
    message: `Withings had dropped the webhook subscription for user ${userId} (appli ${missing.join(', ')}); it was re-created and missed data was synced`,
  });
  return 'restored';
}

async function staleAlert(engine: Engine, userId: string): Promise<void> {
  const health = (await engine.config.store.get<HealthRecord>(keys.health(userId)))?.value;
  const account = (await engine.config.store.get<AccountRecord>(keys.account(userId)))?.value;
  const last = health?.lastSuccessAt ?? account?.linkedAt;
  if (!last) return;
  const days = (engine.config.now().getTime() - Date.parse(last)) / DAY_MS;
  if (days < engine.config.staleAfterDays) return;
  await raiseAlert(engine, {
    type: 'STALE',
    userId,
    message: `no successful sync for user ${userId} in ${Math.floor(days)} days (last error: ${health?.lastError?.code ?? 'none'}); run wg-sync doctor`,
  });
}

async function expiryAlerts(engine: Engine, userId: string): Promise<void> {
  const now = engine.config.now().getTime();
  for (const side of ['withings', 'garmin'] as const) {
    const key = side === 'withings' ? keys.withingsTokens(userId) : keys.garminSession(userId);
    const savedAt = (await engine.config.store.get<{ savedAt?: string }>(key))?.value.savedAt;
    if (!savedAt) continue;
    const left = Date.parse(savedAt) + REFRESH_LIFETIME_MS[side] - now;
    if (left > EXPIRY_WARNING_MS) continue;
    await raiseAlert(engine, {
      type: 'TOKEN_EXPIRING',
      userId,
      side,
      message: `the ${side} refresh token of user ${userId} ${left > 0 ? `expires in ${Math.ceil(left / DAY_MS)} days` : 'has probably expired'}; it renews itself on every sync, so check why syncs stop refreshing it`,
    });
  }
}
