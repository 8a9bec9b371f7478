import type { EnqueueReport, Logger, ManualSyncRequest, Sync, WorkQueue } from '@wg-sync/core';
import { notificationToJson } from '@wg-sync/withings';
import type { WithingsNotification } from '../async/async-notification.js';
import type { DeferOptions } from '../async/defer-by-self-invoke.js';
import type { ReconcileEnqueuedResult, ScheduledEvent } from '../lambda-events.js';

/** SQS's longest `DelaySeconds`. */
const MAX_DELAY_SECONDS = 900;

/**
 * The `defer` the webhook route gets in queue mode: one `webhook` work message, delayed until the
 * debounce window's end (`notBefore`) when it closes one. SQS delays at most 15 minutes; a longer
 * window's closing sync runs early, which is harmless (what arrives later stays pending).
 */
export function deferToQueue(
  queue: WorkQueue,
  now: () => Date,
): (notification: WithingsNotification, options?: DeferOptions) => Promise<void> {
  return async (notification, options = {}) => {
    const wait = options.notBefore ? (options.notBefore.getTime() - now().getTime()) / 1000 : 0;
    await queue.send([
      {
        message: {
          v: 1,
          kind: 'webhook',
          userId: notification.userId,
          notification: { ...notificationToJson(notification) },
        },
        delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(wait))),
      },
    ]);
  };
}

/**
 * The `queueManualSync` `POST /sync/manual` gets in queue mode: one `manual` message for the account
 * asked for, or one for each linked account, so each runs in its own record (its own retries, its own
 * dead letter) instead of all in one invocation.
 */
export function queueManualSyncToQueue(
  sync: Sync,
  queue: WorkQueue,
): (request: ManualSyncRequest) => Promise<void> {
  return async ({ days, userId }) => {
    const ids = userId
      ? [userId]
      : (await sync.accounts.list()).filter((a) => !a.unlinkedAt).map((a) => a.userId);
    await queue.send(ids.map((id) => ({ message: { v: 1, kind: 'manual', userId: id, days } })));
  };
}

/**
 * The scheduled event in queue mode only enqueues: `sync.work.enqueueDueReconciles` lists the
 * accounts page by page and sends a `reconcile` message for each one whose slot falls in the next
 * window, delayed to it. The window starts at the event's own `time` (EventBridge's scheduled
 * minute), so windows of successive events meet without a gap whatever the delivery delay. A send
 * that fails rejects (Lambda retries the event; the messages already sent are idempotent).
 */
export async function runScheduledEnqueue(
  sync: Sync,
  event: ScheduledEvent,
  log: Logger,
): Promise<ReconcileEnqueuedResult> {
  const time = event.time ? new Date(event.time) : undefined;
  const now = time && !Number.isNaN(time.getTime()) ? time : undefined;
  const report: EnqueueReport = await sync.work.enqueueDueReconciles(now ? { now } : {});
  log.info('lambda.reconcile.enqueued', { ...report, time: event.time });
  return { kind: 'reconcile-enqueued', report };
}
