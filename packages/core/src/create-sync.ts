import type { GarminClient } from '@wg-sync/garmin';
import type { WithingsClient } from '@wg-sync/withings';
import type { WithingsNotification } from '@wg-sync/withings/notification';
import { resolveConfig, type SyncConfig, upstreamOverrides } from './config/config.js';
import type { Engine } from './context.js';
import type { GarminDedupeOptions, GarminDedupeReport } from './destinations/garmin/dedupe-plan.js';
import { garminDestination } from './destinations/index.js';
import { intervalsDestination } from './destinations/intervals/intervals-destination.js';
import { linkedUserIds } from './engine/account-ids.js';
import { type Accounts, createAccounts, LinkedAccounts } from './engine/accounts.js';
import { garminClientFor, withingsClientFor } from './engine/clients.js';
import { SyncCoordinator } from './engine/coordinator.js';
import type { HeldWeighIns } from './engine/held.js';
import { createHeld } from './engine/held-assign.js';
import { reconcile } from './engine/reconcile.js';
import { type BackfillProgress, emptyReport, type SyncRequest } from './engine/run.js';
import { syncAccount } from './engine/sync-account.js';
import { WithingsBudget } from './engine/withings-budget.js';
import { markLeaseHeld } from './engine/work.js';
import { createWork, reportThroughQueue, type SyncWork, waitableQueue } from './engine/work-api.js';
import { AccountNotFoundError, UserIdRequiredError } from './errors.js';
import { AuthThrottle } from './http/auth-throttle.js';
import { createHandler, type HandlerContext, type ManualSyncRequest } from './http/handler.js';
import { PendingWriter } from './http/pending-writer.js';
import { WebhookDebounce } from './http/webhook-debounce.js';
import { webhookUrl } from './http/webhook-url.js';
import { lastNotificationBefore, recordActivity } from './observability/activity.js';
import { raiseAlert } from './observability/health.js';
import { jsonLogger } from './observability/logger.js';
import { Redactor } from './observability/redact.js';
import type { DoctorReport, ReconcileReport, SyncReport } from './observability/report.js';
import { type StatusOptions, type StatusReport, status } from './observability/status.js';
import { sharedReader } from './store/shared-read.js';

const DAY_MS = 86_400_000;

/** Options of {@link Sync.syncRecent}. */
export interface SyncRecentOptions {
  /** The Withings user (optional when exactly one account is linked). */
  userId?: string;
  /** Also look at everything created or changed in the last N days (default 7). */
  days?: number;
  /** Report what would be uploaded; write nothing. */
  dryRun?: boolean;
  /** Override `maxEntriesPerSync` for this run. */
  maxEntries?: number;
}

/** Options of {@link Sync.backfill}. */
export interface BackfillOptions {
  userId?: string;
  /** First day of the history to import (measurement time). */
  from: Date;
  /** Last instant (default now). */
  to?: Date;
  dryRun?: boolean;
  /** Weigh-ins per FIT upload (default 50). */
  batchSize?: number;
  onProgress?: (progress: BackfillProgress) => void;
}

/** Garmin-only tools of {@link Sync.garmin}. */
export interface GarminTools {
  /**
   * Finds weigh-ins stored more than once in the account's Garmin history (same instant and weight
   * within `config.dedup`), often left by older tools, and plans to keep one of each: the one with
   * the most body-composition fields, then the oldest (smallest `samplePk`). A dry run unless
   * `apply`; with it, deletes the others one by one, repoints ledger entries at the kept record and
   * reports each deletion that failed with a code. Default range: the last ten years.
   *
   * @example
   * ```ts
   * const plan = await sync.garmin.dedupe({ from: new Date('2020-01-01') });
   * for (const g of plan.groups) console.log(g.keep.takenAt, g.keep.samplePk, g.remove.map((r) => r.samplePk));
   * const done = await sync.garmin.dedupe({ from: new Date('2020-01-01'), apply: true });
   * console.log(done.deleted.length, done.failed);
   * ```
   */
  dedupe(options?: GarminDedupeOptions): Promise<GarminDedupeReport>;
}

/** The wg-sync engine for one deployment (any number of linked accounts). */
export interface Sync {
  /** Syncs one account now: what changed since its cursor, and at least the last `days` days. */
  syncRecent(options?: SyncRecentOptions): Promise<SyncReport>;
  /** Syncs what a Withings notification announced (its window widens the cursor, never narrows it). */
  syncNotification(notification: WithingsNotification): Promise<SyncReport>;
  /**
   * What `POST /sync/manual` runs: {@link Sync.syncRecent} for the account `userId`, or for every
   * linked one, with `days`. For adapters that run an accepted manual sync later (`queueManualSync`).
   * Several accounts on an in-process queue (the default) go through it as `manual` messages: they
   * take its bounded turns, before reconcile passes, and an account whose message failed before its
   * sync ran (its record unreadable, the store down) gets a report of that failure instead of
   * rejecting the others'.
   * @throws RangeError for `days` outside 1–3650.
   */
  syncManual(request: ManualSyncRequest): Promise<SyncReport[]>;
  /** Imports history in batches; does not move the cursor. */
  backfill(options: BackfillOptions): Promise<SyncReport>;
  /** For a schedule: subscription check and re-subscribe, catch-up sync and alerts, for every account. */
  reconcile(): Promise<ReconcileReport>;
  /** Real health checks, secrets redacted. */
  doctor(): Promise<DoctorReport>;
  /**
   * Every account's health, pending notifications, credential ages, last syncs and holdings: what
   * `GET /status` answers and the status page shows (`trendDays`: with the weigh-ins of those days).
   */
  status(options?: StatusOptions): Promise<StatusReport>;
  accounts: Accounts;
  /** The one HTTP handler (Web `Request` → `Response`); mount it with an adapter. */
  handler(request: Request, ctx?: HandlerContext): Promise<Response>;
  /** The callback URL subscriptions use (`publicUrl/webhook/withings[/secret]`), when `publicUrl` is set. */
  readonly webhookUrl: string | undefined;
  /**
   * A Withings client for an account whose rotating tokens are persisted to the store (for tools such
   * as `wg-sync webhook subscribe`); `undefined` when the account has no Withings tokens.
   */
  withingsClient(userId: string): Promise<WithingsClient | undefined>;
  /** The same for the account's Garmin session. */
  garminClient(userId: string): Promise<GarminClient | undefined>;
  /** Garmin-only tools: `dedupe` cleans duplicate weigh-ins out of the Garmin history. */
  garmin: GarminTools;
  /**
   * Runs now the webhook syncs this process is holding until their debounce window ends, and waits
   * for them. For graceful shutdown (the Express adapter's `drain()` calls it) and tests; without it
   * such a sync is still not lost, its notification waits in the store for the next sync or reconcile.
   */
  flush(): Promise<void>;
  /**
   * Weigh-ins held for a person to answer: ambiguous ones (Withings' attrib 1) and, with
   * `weightBand`, those outside the person's usual weight. `list`, then `assign(id)` ("this was
   * me": written to every destination with its original instant and fields) or `dismiss(id)` ("not
   * me"). See {@link HeldWeighIns}.
   */
  held: HeldWeighIns;
  /**
   * Per-account work through a queue ({@link SyncConfig.queue}, in-process by default): `run` one
   * {@link WorkMessage} (what a queue's consumer calls), `enqueueDueReconciles` (what a 15-minute
   * schedule calls). See {@link SyncWork}.
   */
  work: SyncWork;
}

/**
 * Creates the sync engine.
 *
 * @example
 * ```ts
 * import { createSync, fileStore } from '@wg-sync/core';
 *
 * const sync = createSync({
 *   withings: { clientId: process.env.WITHINGS_CLIENT_ID!, clientSecret: process.env.WITHINGS_CLIENT_SECRET! },
 *   store: fileStore(),
 * });
 * const report = await sync.syncRecent({ days: 7 });
 * console.log(report.synced, report.skipped, report.failed);
 * ```
 */
export function createSync(input: SyncConfig): Sync {
  const config = resolveConfig(input);
  const linked = new LinkedAccounts((key) => engine.read(key));
  // Every account write of this engine goes through here, so the webhook's memory of who is linked
  // never outlives a link or unlink made in this process.
  config.store = linked.watch(config.store);
  const redactor = new Redactor();
  redactor.pin(config.withings.clientSecret, config.apiToken, config.webhookSecret);
  const log = redactor.logger(config.logger ?? jsonLogger());
  const engine: Engine = {
    config,
    log,
    redactor,
    coordinator: new SyncCoordinator(config.store, config.leaseSeconds, config.maxConcurrentSyncs),
    budget: new WithingsBudget({
      store: config.store,
      perMinute: config.withingsBudgetPerMinute,
      now: config.now,
      log,
    }),
    pending: new PendingWriter(config.store),
    debounce: new WebhookDebounce(config.store, config.webhookDebounceSeconds * 1000, config.now, log),
    authThrottle: new AuthThrottle(() => config.now().getTime()),
    read: sharedReader(config.store),
    linked,
    destinations: [],
    alertListeners: new Set(),
    alert: (alert) => raiseAlert(engine, alert),
    async hook(name, ...args) {
      const hook = config.hooks?.[name] as ((...a: unknown[]) => unknown) | undefined;
      if (!hook) return;
      try {
        await hook(...(redactor.value(args) as unknown[]));
      } catch (error) {
        log.error('hook.failed', { hook: name, error });
      }
    },
  };

  // Garmin first: the one every account links; then the configured ones, in their order.
  // intervals.icu next: only the accounts that linked it use it (the others' sessions are null).
  engine.destinations = [
    garminDestination(engine),
    intervalsDestination(engine),
    ...(config.destinations ?? []),
  ];
  warnAtStart(engine);

  const run = (request: SyncRequest, busy = () => emptyReport(request, config.now(), true)) =>
    engine.coordinator.run(
      request.userId,
      async () => {
        // Read before the sync drains it: when Withings last called, for the status page.
        const notifiedAt = request.dryRun ? undefined : await lastNotificationBefore(engine, request.userId);
        const report = failedLoudly(engine, await syncAccount(engine, request));
        await recordActivity(engine, report, notifiedAt);
        return report;
      },
      busy,
    );

  const notificationRequest = (notification: WithingsNotification): SyncRequest => ({
    userId: notification.userId,
    trigger: 'webhook',
    dryRun: false,
    maxEntries: config.maxEntriesPerSync,
    since: notification.startDate,
  });
  const recentRequest = (userId: string, days: number): SyncRequest => {
    checkDays(days);
    return {
      userId,
      trigger: 'recent',
      dryRun: false,
      maxEntries: config.maxEntriesPerSync,
      since: new Date(config.now().getTime() - days * DAY_MS),
    };
  };
  const reconcileRequest = (userId: string): SyncRequest => ({
    userId,
    trigger: 'reconcile',
    dryRun: false,
    maxEntries: config.maxEntriesPerSync,
  });
  const reconcileSync = (userId: string) => run(reconcileRequest(userId));
  const leased = (request: SyncRequest) =>
    run(request, () => markLeaseHeld(emptyReport(request, config.now(), true)));

  const resolveUser = async (userId: string | undefined): Promise<string> => {
    if (userId !== undefined) return userId;
    const active = await linkedUserIds(config.store);
    if (active.length === 1) return active[0] as string;
    if (active.length === 0) throw new AccountNotFoundError('(none linked)');
    throw new UserIdRequiredError(active);
  };
  const checkDays = (days: number) => {
    if (!Number.isFinite(days) || days <= 0 || days > 3650)
      throw new RangeError('days must be between 1 and 3650');
  };

  // The handler calls this very object's syncs (same coordinator), so it is attached once they exist.
  const sync: Omit<Sync, 'handler'> = {
    async syncRecent({ userId, days = 7, dryRun = false, maxEntries } = {}) {
      checkDays(days);
      return run({
        userId: await resolveUser(userId),
        trigger: 'recent',
        dryRun,
        maxEntries: maxEntries ?? config.maxEntriesPerSync,
        since: new Date(config.now().getTime() - days * DAY_MS),
      });
    },
    syncNotification(notification) {
      return run(notificationRequest(notification));
    },
    async syncManual({ days = 7, userId }) {
      checkDays(days);
      const ids = userId ? [userId] : await linkedUserIds(config.store);
      const queue = waitableQueue(sync.work.queue);
      if (ids.length < 2 || !queue)
        return Promise.all(ids.map((id) => sync.syncRecent({ userId: id, days })));
      // Several accounts: each a `manual` message of the in-process queue, so they take its bounded
      // turns (before reconciles) rather than all starting at once.
      return Promise.all(
        ids.map((id) =>
          reportThroughQueue(
            queue,
            { v: 1, kind: 'manual', userId: id, days },
            recentRequest(id, days),
            config.now,
          ),
        ),
      );
    },
    async backfill({ userId, from, to, dryRun = false, batchSize = 50, onProgress }) {
      if (!(from instanceof Date) || Number.isNaN(from.getTime()))
        throw new RangeError('backfill: from must be a valid Date');
      const end = to ?? config.now();
      if (end < from) throw new RangeError('backfill: to is before from');
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 500)
        throw new RangeError('backfill: batchSize must be 1–500');
      return run({
        userId: await resolveUser(userId),
        trigger: 'backfill',
        dryRun,
        maxEntries: Number.MAX_SAFE_INTEGER,
        backfill: { from, to: end, batchSize, ...(onProgress ? { onProgress } : {}) },
      });
    },
    reconcile: () => reconcile(engine, reconcileSync),
    // Loaded on use: a doctor run is rare, and never on a webhook's cold start.
    doctor: async () => (await import('./observability/doctor.js')).doctor(engine),
    status: (options) => status(engine, options),
    accounts: createAccounts(engine),
    webhookUrl: webhookUrl(config),
    withingsClient: (userId) => withingsClientFor(engine, userId, config.fetch ?? globalThis.fetch),
    garminClient: (userId) => garminClientFor(engine, userId, config.fetch ?? globalThis.fetch),
    garmin: {
      // Loaded on use: a person's clean-up, never on a webhook's cold start.
      dedupe: async ({ userId, ...options } = {}) => {
        const { garminDedupe } = await import('./destinations/garmin/dedupe.js');
        return garminDedupe(engine, await resolveUser(userId), options);
      },
    },
    flush: () => engine.debounce.flush(),
    held: createHeld(engine),
    work: createWork(engine, {
      // A message's sync that finds the lease held elsewhere says so, so the queue tries it again.
      notification: (notification) => leased(notificationRequest(notification)),
      recent: async (userId, days = 7) => leased(recentRequest(userId, days)),
      reconcile: (userId) => leased(reconcileRequest(userId)),
    }),
  };
  return Object.assign(sync, { handler: createHandler(engine, sync) });
}

/**
 * A sync whose report lists failures logs one `warn` line (`sync.completed` is `info` either way), so
 * every entry point (webhook, manual, reconcile, the CLI) is loud, not only those that read the report.
 */
function failedLoudly(engine: Engine, report: SyncReport): SyncReport {
  if (report.failed.length === 0) return report;
  engine.log.warn('sync.failed', {
    userId: report.userId,
    trigger: report.trigger,
    dryRun: report.dryRun,
    failed: report.failed.length,
    failures: report.failed.slice(0, 5).map((f) => ({ code: f.code, message: f.message })),
  });
  return report;
}

/** What a deployment should know at every start: settings that weaken it. */
function warnAtStart(engine: Engine): void {
  const { config, log } = engine;
  if (!config.webhookSecret && config.allowUnauthenticatedWebhook) {
    log.warn('config.webhook.unauthenticated', {
      message:
        'the webhook has no secret path: anyone who finds the URL can trigger syncs. Set WG_SYNC_WEBHOOK_SECRET (openssl rand -hex 32), then re-subscribe: wg-sync webhook subscribe',
    });
  }
  for (const [option, url] of upstreamOverrides(config)) {
    // Tokens and the client secret go there: an override nobody meant to set must not go unnoticed.
    // Only the origin: a proxy URL's user info or path may carry a credential.
    log.warn('config.upstream.override', { option, url: new URL(url).origin });
  }
}
