import type { Engine } from '../context.js';
import { inProcessQueue } from './in-process-queue.js';
import { type EnqueueOptions, type EnqueueReport, enqueueDueReconciles } from './slots.js';
import { reconcileOne, runWork, type WorkOutcome, type WorkQueue, type WorkSyncs } from './work.js';
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
  return {
    run,
    enqueueDueReconciles: (options = {}) =>
      enqueueDueReconciles(engine, queue, {
        ...options,
        intervalMs: engine.config.reconcileIntervalHours * HOUR_MS,
      }),
    queue,
  };
}
