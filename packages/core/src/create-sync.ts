import type { WithingsNotification } from '@wg-sync/withings/notification';
import { resolveConfig, type SyncConfig, upstreamOverrides } from './config/config.js';
import type { Engine } from './context.js';
import { garminDestination } from './destinations/index.js';
import { intervalsDestination } from './destinations/intervals/intervals-destination.js';
import { linkedUserIds } from './engine/account-ids.js';
import { createAccounts } from './engine/accounts.js';
import { garminClientFor, withingsClientFor } from './engine/clients.js';
import { SyncCoordinator } from './engine/coordinator.js';
import { createHeld } from './engine/held-assign.js';
import { LinkedAccounts } from './engine/linked-accounts.js';
import { reconcile } from './engine/reconcile.js';
import { emptyReport, type SyncRequest } from './engine/run.js';
import { syncAccount } from './engine/sync-account.js';
import { WithingsBudget } from './engine/withings-budget.js';
import { markLeaseHeld } from './engine/work.js';
import { createWork, reportThroughQueue, waitableQueue } from './engine/work-api.js';
import { AccountNotFoundError, UserIdRequiredError } from './errors.js';
import { AckGate } from './http/ack-gate.js';
import { AuthThrottle } from './http/auth-throttle.js';
import { createHandler } from './http/handler.js';
import { PendingWriter } from './http/pending-writer.js';
import { WebhookDebounce } from './http/webhook-debounce.js';
import { webhookUrl } from './http/webhook-url.js';
import { lastNotificationBefore, recordActivity } from './observability/activity.js';
import { raiseAlert } from './observability/health.js';
import { jsonLogger } from './observability/logger.js';
import { Redactor } from './observability/redact.js';
import type { SyncReport } from './observability/report.js';
import { status } from './observability/status.js';
import { sharedReader } from './store/shared-read.js';
import type { Sync } from './sync-api.js';

const DAY_MS = 86_400_000;

export type { BackfillOptions, GarminTools, Sync, SyncRecentOptions } from './sync-api.js';

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
    acks: new AckGate(),
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
