import type { Engine } from '../context.js';
import type { SyncErrorCode } from '../error-codes.js';
import type { SyncReport } from '../observability/report.js';
import { type InProcessQueue, inProcessQueue } from './in-process-queue.js';
import { emptyReport, type SyncRequest } from './run.js';
import { type EnqueueOptions, type EnqueueReport, enqueueDueReconciles } from './slots.js';
import {
  reconcileOne,
  runWork,
  type WorkFailureCode,
  type WorkOutcome,
  type WorkQueue,
  type WorkSyncs,
} from './work.js';
import type { WorkMessage } from './work-message.js';

const HOUR_MS = 3_600_000;

/**
 * Per-account work through a queue: what `sync.work` offers. The queue is `config.queue`, or an
 * in-process one of `queueConcurrency` that runs {@link SyncWork.run}.
 *
 * @example
 * ```ts
 * // Every 15 minutes (a cron, a timer, an EventBridge schedule):
 * const { listed, enqueued } = await sync.work.enqueueDueReconciles();
 * // A queue's consumer, for each message it receives:
 * const outcome = await sync.work.run(parseWorkMessage(body));
 * if (!outcome.ok) console.error(outcome.code, outcome.retryable);
 * ```
 */
export interface SyncWork {
  /**
   * Runs one message: a webhook's sync, a manual sync or an account's reconcile. Never rejects; the
   * outcome says whether the message is done or should come again (see {@link WorkOutcome}).
   * Idempotent: the ledger and the per-user lease make a message delivered again harmless.
   */
  run(message: WorkMessage): Promise<WorkOutcome>;
  /**
   * Sends a `reconcile` message for each linked account whose stable slot (`reconcileSlot`) falls
   * in the window starting at `now` (default 15 min), delayed until its slot, listing the accounts a
   * page at a time. Called every window, each account is reconciled once per `reconcileIntervalHours`.
   * @throws RangeError for a `windowMs` outside 1 s–15 min or longer than the interval; the queue's
   * error when it refuses a batch (the messages of earlier pages stay sent: sending again is harmless).
   */
  enqueueDueReconciles(options?: EnqueueOptions): Promise<EnqueueReport>;
  /**
   * Sends one message to {@link SyncWork.queue}, and waits for it where the queue can say: with an
   * in-process queue (the default), resolves with the outcome of its first attempt once it has had
   * its turn (`InProcessQueue.sendAndWait`: a retryable failure is then tried again in the
   * background); with another queue (SQS), resolves with `undefined` once the queue holds it. The
   * webhook route sends every webhook sync this way, so local webhook syncs share the queue's bounded
   * concurrency with reconcile passes, and come first.
   * @throws what the queue's `send` throws (a closed queue, a `delaySeconds` out of range).
   */
  sendAndWait(message: WorkMessage, options?: { delaySeconds?: number }): Promise<WorkOutcome | undefined>;
  /** The queue work is sent to. */
  readonly queue: WorkQueue;
}

/** `sync.work` of an engine whose syncs are `syncs`. */
export function createWork(engine: Engine, syncs: WorkSyncs): SyncWork {
  const messageSyncs: WorkSyncs = {
    ...syncs,
    reconcile: (userId) => reconcileOne(engine, userId, syncs.reconcile),
  };
  const run = (message: WorkMessage) => runWork(engine, messageSyncs, message);
  const queue =
    engine.config.queue ??
    inProcessQueue({ run, concurrency: engine.config.queueConcurrency, log: engine.log });
  const waitable = waitableQueue(queue);
  return {
    run,
    sendAndWait: async (message, options = {}) => {
      if (waitable) return waitable.sendAndWait(message, options);
      await queue.send([{ message, ...options }]);
      return undefined;
    },
    enqueueDueReconciles: (options = {}) =>
      enqueueDueReconciles(engine, queue, {
        ...options,
        intervalMs: engine.config.reconcileIntervalHours * HOUR_MS,
      }),
    queue,
  };
}

/** `queue` when it can say how a message went (`InProcessQueue.sendAndWait`), else `undefined`. */
export function waitableQueue(queue: WorkQueue): InProcessQueue | undefined {
  const candidate = queue as Partial<InProcessQueue>;
  return typeof candidate.sendAndWait === 'function' ? (queue as InProcessQueue) : undefined;
}

/** Where an outcome's code has no {@link SyncErrorCode} of its own, the closest one. */
const REPORTED_AS: Partial<Record<WorkFailureCode, SyncErrorCode>> = {
  UNKNOWN_USER: 'ACCOUNT_NOT_FOUND',
  ACCOUNT_CORRUPT: 'STORE_CORRUPT',
};

/**
 * The report of one message's first attempt on an in-process queue: the sync's own, or, when the
 * message failed before any sync ran (its account unreadable, the store down), a report of that
 * failure, so one account's failure is in its own report rather than rejecting everyone's.
 */
export async function reportThroughQueue(
  queue: InProcessQueue,
  message: WorkMessage,
  request: SyncRequest,
  now: () => Date,
): Promise<SyncReport> {
  const outcome = await queue.sendAndWait(message);
  const report = outcome.ok ? outcome.reports[0] : outcome.reports?.[0];
  if (report) return report;
  const empty = emptyReport(request, now(), false);
  if (outcome.ok) return empty;
  const code = REPORTED_AS[outcome.code] ?? (outcome.code as SyncErrorCode);
  return { ...empty, failed: [{ groupIds: [], code, message: outcome.message }] };
}
