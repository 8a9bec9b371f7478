import type { WithingsNotification } from '@wg-sync/withings/notification';
import { notificationFromJson } from '@wg-sync/withings/notification';
import type { Engine } from '../context.js';
import type { SyncErrorCode } from '../error-codes.js';
import { isSyncErrorWithCode } from '../errors.js';
import type { SyncReport } from '../observability/report.js';
import { describeFailure } from './failures.js';
import { reconcileAccount } from './reconcile.js';
import { parseWorkMessage, type WorkMessage, WorkMessageError } from './work-message.js';

/** Where per-account work goes: SQS on AWS (`sqsWorkQueue` of adapter-lambda), in-process elsewhere. */
export interface WorkQueue {
  /**
   * Resolves once the queue holds every message durably (in-process: accepted). `delaySeconds`
   * (0–900, default 0): the message is not delivered before then.
   */
  send(items: ReadonlyArray<{ message: WorkMessage; delaySeconds?: number }>): Promise<void>;
}

/**
 * Why a {@link WorkMessage} could not be done: every {@link SyncErrorCode} (what the sync or the
 * store reported), plus
 * - `UNKNOWN_USER`: no account record for the message's user (never linked, or deleted);
 * - `ACCOUNT_CORRUPT`: the user's account record cannot be read (a person must repair it);
 * - `INVALID_WORK_MESSAGE` (also a {@link SyncErrorCode}): not a work message at all.
 *
 * A closed union: a dead-letter queue's `reason` is one of these.
 */
export type WorkFailureCode = SyncErrorCode | 'UNKNOWN_USER' | 'ACCOUNT_CORRUPT' | 'INVALID_WORK_MESSAGE';

/**
 * What running one message came to; never a rejection. `ok: true` means "done, acknowledge it": the
 * reports may still list failures a person must act on (a refused token, a weigh-in Garmin cannot
 * take), which the engine has already recorded and alerted; delivering the message again would not
 * change them. `ok: false` means the message should be delivered again (`retryable`) or, after the
 * queue's last attempt or when not `retryable`, dead-lettered with `code` as its reason.
 */
export type WorkOutcome =
  | { ok: true; kind: WorkMessage['kind']; userId: string; reports: SyncReport[] }
  | {
      ok: false;
      kind: WorkMessage['kind'] | 'unknown';
      userId?: string;
      code: WorkFailureCode;
      /** One line, secrets redacted. */
      message: string;
      /** False when delivering the same message again cannot help (`INVALID_WORK_MESSAGE`). */
      retryable: boolean;
      /** The report of the sync that ran and failed, when one did (not for a store or message failure). */
      reports?: SyncReport[];
      /**
       * The least wait before the message is worth delivering again, when the failure says: after a
       * 601 the deployment holds off Withings for its `wait_seconds`, and an attempt before then is
       * refused without a call. The queues wait at least this long (SQS: at most 15 minutes).
       */
      retryAfterMs?: number;
    };

/**
 * Failures a later delivery of the same message may not meet: the store or an upstream was busy,
 * slow or down, a token was refused once, Garmin had not stored an upload yet. The others are for a
 * person to fix (sign in, repair an entry, a weigh-in no FIT file can hold): the sync has recorded
 * and alerted them, so the message is done.
 */
const TRANSIENT: ReadonlySet<WorkFailureCode> = new Set<WorkFailureCode>([
  'STORE_CONFLICT',
  'STORE_UNAVAILABLE',
  'RATE_LIMITED',
  'UPSTREAM',
  'TIMEOUT',
  'NOT_STORED',
  'UPLOAD_TIMEOUT',
  'AUTH_EXPIRED',
  'INVALID_TOKEN',
  'PROTOCOL',
  'BLOCKED',
  'INTERNAL',
]);

/** Reports of syncs that stood back because another process held the user's lease. */
const leaseHeld = new WeakSet<SyncReport>();

/** Marks `report` as the answer of a sync that found the user's lease held elsewhere. @internal */
export function markLeaseHeld(report: SyncReport): SyncReport {
  leaseHeld.add(report);
  return report;
}

/** The engine's syncs a message runs (those of the `Sync` it belongs to, on its coordinator). */
export interface WorkSyncs {
  notification(notification: WithingsNotification): Promise<SyncReport>;
  recent(userId: string, days: number | undefined): Promise<SyncReport>;
  reconcile(userId: string): Promise<SyncReport>;
}

/**
 * Runs one message; what `sync.work.run` does. Idempotent: the ledger skips what a destination
 * already holds and the per-user lease keeps two deliveries from syncing at once, so a message
 * delivered again (after a crash, a timeout, a retry) writes nothing twice.
 */
export async function runWork(engine: Engine, syncs: WorkSyncs, input: WorkMessage): Promise<WorkOutcome> {
  let message: WorkMessage;
  try {
    // A caller in JavaScript (or a queue) may hand anything: read it as the queue would.
    message = parseWorkMessage(JSON.stringify(input) ?? '');
  } catch (error) {
    return failed(engine, { kind: 'unknown' }, invalid(error));
  }
  const { kind, userId } = message;
  const who = { kind, userId };
  try {
    const account = await engine.linked.get(userId);
    if (!account)
      return failed(engine, who, {
        code: 'UNKNOWN_USER',
        message: `no account for user ${userId}`,
        retryable: true,
      });
    if (account.value.unlinkedAt) {
      engine.log.info('work.skipped', { kind, userId, reason: 'unlinked' });
      return { ok: true, kind, userId, reports: [] };
    }
  } catch (error) {
    const failure = describeFailure(engine, error);
    return isSyncErrorWithCode(error, 'STORE_CORRUPT')
      ? failed(engine, who, { code: 'ACCOUNT_CORRUPT', message: failure.message, retryable: true })
      : failed(engine, who, { ...failure, retryable: true });
  }
  let reports: SyncReport[];
  try {
    reports = [await runKind(engine, syncs, message)];
  } catch (error) {
    return failed(engine, who, { ...describeFailure(engine, error), retryable: true });
  }
  const report = reports[0] as SyncReport;
  if (leaseHeld.has(report)) {
    const text = `another process holds the sync lease of user ${userId}`;
    return failed(engine, who, { code: 'STORE_CONFLICT', message: text, retryable: true }, reports);
  }
  const transient = report.failed.find((f) => TRANSIENT.has(f.code));
  if (transient) {
    const outcome = failed(
      engine,
      who,
      { code: transient.code, message: transient.message, retryable: true },
      reports,
    );
    const backoffMs = transient.code === 'RATE_LIMITED' ? engine.budget.backoffRemainingMs() : 0;
    return backoffMs > 0 ? { ...outcome, retryAfterMs: backoffMs } : outcome;
  }
  engine.log.debug('work.done', { kind, userId, synced: report.synced.length, failed: report.failed.length });
  return { ok: true, kind, userId, reports };
}

function runKind(engine: Engine, syncs: WorkSyncs, message: WorkMessage): Promise<SyncReport> {
  switch (message.kind) {
    case 'webhook': {
      const parsed = notificationFromJson(message.notification);
      // Only an unlink comes without a window (the webhook gives it one); the sync never reads it.
      const now = engine.config.now();
      return syncs.notification(parsed.startDate ? parsed : { ...parsed, startDate: now, endDate: now });
    }
    case 'manual':
      return syncs.recent(message.userId, message.days);
    case 'reconcile':
      return syncs.reconcile(message.userId);
  }
}

/** A reconcile message's sync: {@link reconcileAccount}, its subscription step's failures included. */
export async function reconcileOne(
  engine: Engine,
  userId: string,
  sync: (userId: string) => Promise<SyncReport>,
): Promise<SyncReport> {
  let synced: SyncReport | undefined;
  const { entry, failures } = await reconcileAccount(engine, userId, async (id) => {
    synced = await sync(id);
    return synced;
  });
  const report = entry.report ?? synced;
  if (report && leaseHeld.has(report)) return report;
  if (!report) {
    const failure = failures.find((f) => f.step === 'sync') ?? failures[0];
    throw Object.assign(new Error(failure?.message ?? `the reconcile of user ${userId} did not sync`), {
      code: failure?.code ?? 'INTERNAL',
    });
  }
  // The subscription step's failure is the message's too: without the subscription Withings is silent.
  const subscription = failures.find((f) => f.step === 'subscription');
  if (!subscription || report.failed.some((f) => f.code === subscription.code)) return report;
  return {
    ...report,
    failed: [...report.failed, { groupIds: [], code: subscription.code, message: subscription.message }],
  };
}

function invalid(error: unknown): { code: WorkFailureCode; message: string; retryable: boolean } {
  const message = error instanceof WorkMessageError ? error.message : 'not a work message';
  return { code: 'INVALID_WORK_MESSAGE', message, retryable: false };
}

/** A failed outcome, logged (`warn`: the queue decides whether it is retried or dead-lettered). */
function failed(
  engine: Engine,
  who: { kind: WorkMessage['kind'] | 'unknown'; userId?: string },
  failure: { code: WorkFailureCode; message: string; retryable: boolean },
  reports?: SyncReport[],
): Extract<WorkOutcome, { ok: false }> {
  engine.log.warn('work.failed', {
    ...who,
    code: failure.code,
    retryable: failure.retryable,
    message: failure.message,
  });
  const { code, message, retryable } = failure;
  return { ok: false, ...who, code, message, retryable, ...(reports ? { reports } : {}) };
}
