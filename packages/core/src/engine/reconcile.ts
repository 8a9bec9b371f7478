import type { Engine } from '../context.js';
import { needsSignIn, type SyncErrorCode } from '../error-codes.js';
import { webhookUrl } from '../http/webhook-url.js';
import { needsReauth, raiseAlert } from '../observability/health.js';
import type { ReconcileFailure, ReconcileReport, SyncAlert, SyncReport } from '../observability/report.js';
import { type AccountRecord, type HealthRecord, keys, update } from '../store/state.js';
import { accountPages } from './account-pages.js';
import { withingsClientFor } from './clients.js';
import { describeFailure, isReauth } from './failures.js';

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
    return await pass(engine, sync, { alerts, startedAt, t0 });
  } finally {
    engine.alertListeners.delete(listener);
  }
}

/** Accounts reconciled at once by {@link reconcile} (each one's sync also waits for a coordinator turn). */
const DEFAULT_CONCURRENCY = 4;

/** One account's part of a reconcile: its report entry and its failures (one per step and code). */
export interface AccountReconcile {
  entry: ReconcileReport['accounts'][number];
  failures: ReconcileFailure[];
}

/** One pass over every account, a page of account records at a time, `concurrency` accounts at once. */
async function pass(
  engine: Engine,
  sync: (userId: string) => Promise<SyncReport>,
  { alerts, startedAt, t0 }: { alerts: SyncAlert[]; startedAt: Date; t0: number },
): Promise<ReconcileReport> {
  const accounts: ReconcileReport['accounts'] = [];
  const failures: ReconcileFailure[] = [];
  const concurrency = engine.config.queueConcurrency ?? DEFAULT_CONCURRENCY;
  for await (const page of accountPages(engine.config.store)) {
    // Entries keep the listing's order whatever order the accounts finish in.
    const done = await mapBounded(page, concurrency, async ({ value: account }) =>
      account.unlinkedAt
        ? { entry: { userId: account.userId, subscription: 'unlinked' as const }, failures: [] }
        : reconcileAccount(engine, account.userId, sync),
    );
    for (const one of done) {
      accounts.push(one.entry);
      failures.push(...one.failures);
    }
  }
  const report: ReconcileReport = {
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    ok: failures.length === 0,
    failures,
    accounts,
    alerts,
  };
  const counts = {
    accounts: accounts.length,
    restored: accounts.filter((a) => a.subscription === 'restored').length,
    subscriptionsFailed: accounts.filter((a) => a.subscription === 'failed').length,
    syncsFailed: new Set(failures.filter((f) => f.step === 'sync').map((f) => f.userId)).size,
    failures: failures.map((f) => `${f.userId}:${f.step}:${f.code}`),
    alerts: alerts.map((a) => a.type),
    durationMs: report.durationMs,
  };
  if (report.ok) engine.log.info('reconcile.completed', counts);
  else engine.log.warn('reconcile.completed', counts);
  return report;
}

/**
 * Reconciles one linked account: makes sure its Withings subscription exists (re-subscribing when
 * Withings dropped it), runs `sync` (the catch-up sync, which also drains received notifications)
 * and raises `STALE` / `TOKEN_EXPIRING` alerts. Never throws for the account's own failures: they
 * are in the result (and logged). What a `reconcile` work message runs.
 */
export async function reconcileAccount(
  engine: Engine,
  userId: string,
  sync: (userId: string) => Promise<SyncReport>,
): Promise<AccountReconcile> {
  const failures: ReconcileFailure[] = [];
  const failed = (step: ReconcileFailure['step'], code: SyncErrorCode, message: string) => {
    if (!failures.some((f) => f.step === step && f.code === code))
      failures.push({ userId, step, code, message });
  };
  const entry: ReconcileReport['accounts'][number] = { userId, subscription: 'skipped' };
  try {
    entry.subscription = await ensureSubscription(engine, userId);
  } catch (error) {
    entry.subscription = 'failed';
    entry.error = entry.subscriptionError = describeFailure(engine, error);
    failed('subscription', entry.error.code, entry.error.message);
    // Held back by the Withings budget (or a 601): nothing is known about the subscription yet.
    if (entry.error.code !== 'RATE_LIMITED') await subscriptionLost(engine, userId, entry.error);
    if (isReauth(error)) await needsReauth(engine, userId, 'withings', entry.error.message);
  }
  try {
    entry.report = await sync(userId);
    for (const f of entry.report.failed) failed('sync', f.code, f.message);
    if (entry.report.failed.length > 0) {
      // The sync logged its own line; this one ties it to the scheduled pass that must not look green.
      engine.log.warn('reconcile.sync.failed', {
        userId,
        failed: entry.report.failed.length,
        failures: [...new Set(entry.report.failed.map((f) => f.code))],
      });
    }
  } catch (error) {
    const failure = describeFailure(engine, error);
    entry.error ??= failure;
    failed('sync', failure.code, failure.message);
    engine.log.error('reconcile.sync.error', { userId, ...failure });
  }
  await staleAlert(engine, userId);
  await expiryAlerts(engine, userId);
  return { entry, failures };
}

/** `task` over `items`, at most `limit` at once; results in the order of `items`. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Records a failed subscription step and raises `SUBSCRIPTION_LOST`: without the subscription
 * Withings stays silent, and nothing else would tell anyone that weigh-ins now wait for the schedule.
 */
async function subscriptionLost(
  engine: Engine,
  userId: string,
  error: { code: SyncErrorCode; message: string },
): Promise<void> {
  const at = engine.config.now().toISOString();
  await update<HealthRecord>(engine.config.store, keys.health(userId), (current) => ({
    ...current,
    subscription: { ...current?.subscription, checkedAt: at, present: false, lostAt: at, error },
  }));
  engine.log.warn('subscription.lost', { userId, ...error });
  const origin = engine.config.publicUrl ? new URL(engine.config.publicUrl).origin : 'the public URL';
  const reauth = needsSignIn(error.code);
  const cause =
    error.code === 'CALLBACK_UNREACHABLE'
      ? `Withings could not reach the callback on ${origin}`
      : reauth
        ? 'Withings refused the token'
        : `Withings failed (${error.code})`;
  const fix = reauth
    ? 'authorize again: wg-sync withings auth (the next reconcile re-subscribes)'
    : `make sure ${origin} answers HEAD /webhook/withings/… with 2xx from the internet, then run: wg-sync webhook subscribe ${engine.config.publicUrl ?? '<url>'}`;
  await raiseAlert(engine, {
    type: 'SUBSCRIPTION_LOST',
    userId,
    message: `the Withings webhook subscription of user ${userId} could not be checked or re-created: ${cause} (${error.message}). Until it is fixed new weigh-ins arrive only with the next scheduled reconcile; ${fix}`,
  });
}

async function ensureSubscription(engine: Engine, userId: string): Promise<'ok' | 'restored' | 'skipped'> {
  const callbackUrl = webhookUrl(engine.config);
  if (!callbackUrl) return 'skipped';
  const client = await withingsClientFor(engine, userId, engine.config.fetch ?? globalThis.fetch, {
    priority: 'background',
  });
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

/**
 * Makes sure the account's webhook subscription exists now (the status page's "re-subscribe"): what
 * reconcile's subscription step does for one account, failure records and alerts included.
 * @returns `skipped` when no public URL is set or the account has no Withings tokens.
 */
export async function resubscribe(engine: Engine, userId: string): Promise<'ok' | 'restored' | 'skipped'> {
  try {
    return await ensureSubscription(engine, userId);
  } catch (error) {
    const failure = describeFailure(engine, error);
    await subscriptionLost(engine, userId, failure);
    if (isReauth(error)) await needsReauth(engine, userId, 'withings', failure.message);
    throw error;
  }
}
