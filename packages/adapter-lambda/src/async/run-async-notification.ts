import { setTimeout as sleep } from 'node:timers/promises';
import type { Sync } from '@wg-sync/core';
import type { LambdaContextLike, LambdaEventResult } from '../lambda-events.js';
import { verifyAsyncNotification } from './async-notification.js';
import { type QueuedEventSettings, verifyQueuedEvent } from './verify-queued-event.js';

/**
 * The part of an invocation a queued sync keeps for itself (120 s: a Withings fetch, a Garmin range
 * read, an upload and its read-back, with their retries). A queued event with `notBefore` waits for
 * it only while at least this much of the invocation would be left afterwards; otherwise its sync
 * runs at once. The function's timeout must therefore be at least the debounce window plus this
 * (the reference template's is, and its test checks it).
 */
export const DEFERRED_SYNC_RESERVE_SECONDS = 120;

/** Lambda's longest timeout: without a context to ask, no wait can usefully be longer. */
const MAX_WAIT_MS = 900_000;

/**
 * Runs a queued notification: authenticate, wait for its `notBefore` (bounded, see
 * {@link DEFERRED_SYNC_RESERVE_SECONDS}), then `sync.syncNotification`. A refused event is logged as
 * an error and answered normally, because throwing would only make Lambda retry a forgery.
 */
export async function runAsyncNotification(
  sync: Sync,
  event: Record<string, unknown>,
  context: LambdaContextLike,
  settings: QueuedEventSettings,
): Promise<LambdaEventResult> {
  const { log } = settings;
  const verified = verifyQueuedEvent(event, context, settings, verifyAsyncNotification);
  if ('rejected' in verified) return { kind: 'notification', status: 'rejected', reason: verified.rejected };
  const { notification, notBefore } = verified.value;
  if (notBefore) await waitFor(notBefore, notification.userId, context, settings);
  const report = await sync.syncNotification(notification);
  const fields = {
    userId: notification.userId,
    synced: report.synced.length,
    failed: report.failed.length,
    requestId: context.awsRequestId,
  };
  // Nobody waits for a queued sync: its failure must reach the error-log alarm. It is not thrown,
  // because Lambda's automatic retries would re-run it at once, into the same 429 or outage; the
  // pending record keeps the notification for the next sync or reconcile.
  if (report.failed.length > 0) {
    log.error('lambda.async.failed', { ...fields, failures: report.failed.map((f) => f.code) });
  } else {
    log.info('lambda.async.synced', fields);
  }
  return { kind: 'notification', status: 'synced', report };
}

/**
 * Sleeps until `notBefore` when the invocation can afford it. When it cannot, the sync runs now:
 * a closing sync a little early only leaves notifications of the window's last moments pending for
 * the next sync or reconcile, while a sync cut off by the timeout would be retried by Lambda anyway.
 */
async function waitFor(
  notBefore: Date,
  userId: string,
  context: LambdaContextLike,
  { now, log }: Pick<QueuedEventSettings, 'now' | 'log'>,
): Promise<void> {
  const waitMs = notBefore.getTime() - now().getTime();
  if (waitMs <= 0) return;
  const left = context.getRemainingTimeInMillis?.();
  const affordableMs =
    left === undefined ? MAX_WAIT_MS : Math.min(MAX_WAIT_MS, left - DEFERRED_SYNC_RESERVE_SECONDS * 1000);
  if (waitMs > affordableMs) {
    log.warn('lambda.async.early', {
      userId,
      waitMs,
      affordableMs: Math.max(0, affordableMs),
      message: `the function's timeout leaves no room to wait for the debounce window's end; raise it to at least the window plus ${DEFERRED_SYNC_RESERVE_SECONDS} s`,
    });
    return;
  }
  log.debug('lambda.async.waiting', { userId, waitMs });
  // Timers may fire a millisecond before the wall clock agrees; "not before" is checked, not assumed.
  for (let left = waitMs; left > 0; left = notBefore.getTime() - now().getTime()) await sleep(left);
}
