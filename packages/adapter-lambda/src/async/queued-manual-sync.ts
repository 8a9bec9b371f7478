import type { ManualSyncRequest, Sync } from '@wg-sync/core';
import { AsyncEventRejectedError } from '../errors.js';
import type { LambdaContextLike, LambdaEventResult } from '../lambda-events.js';
import {
  ASYNC_EVENT_MARKER,
  type AsyncEvent,
  type EnvelopeCheck,
  openEnvelope,
  signEnvelope,
} from './async-notification.js';
import { functionNameOf, invokeSelf, queueTarget, type SelfInvokeOptions } from './invoke-self.js';
import { type QueuedEventSettings, verifyQueuedEvent } from './verify-queued-event.js';

const FORMAT = 'manual/v1';

/** The event a queued `POST /sync/manual` becomes: its accepted `days` and `userId`, signed. */
export type ManualSyncEvent = AsyncEvent<typeof FORMAT>;

/** True for an event that claims to be a queued manual sync (it may still be forged). */
export function isManualSyncEvent(event: Record<string, unknown>): boolean {
  return event[ASYNC_EVENT_MARKER] === FORMAT;
}

/** Signs an accepted manual sync for `functionName`. */
export function signManualSync(
  request: ManualSyncRequest,
  options: { key: Buffer; functionName: string; now: Date },
): ManualSyncEvent {
  return signEnvelope(
    FORMAT,
    {
      fn: options.functionName,
      iat: Math.floor(options.now.getTime() / 1000),
      m: { days: request.days, ...(request.userId === undefined ? {} : { userId: request.userId }) },
    },
    options.key,
  );
}

/**
 * Authenticates a `manual/v1` event and returns the manual sync it asks for.
 *
 * @throws {@link AsyncEventRejectedError} `MALFORMED`, `BAD_SIGNATURE`, `EXPIRED` or `WRONG_FUNCTION`.
 */
export function verifyManualSync(event: Record<string, unknown>, check: EnvelopeCheck): ManualSyncRequest {
  const { m } = openEnvelope(event, FORMAT, check) as { m?: { days?: unknown; userId?: unknown } };
  const days = m?.days;
  const userId = m?.userId;
  // Core's route accepted these; syncRecent checks the range again.
  if (
    !Number.isSafeInteger(days) ||
    (days as number) < 1 ||
    (userId !== undefined && !(typeof userId === 'string' && /^\d{1,20}$/.test(userId)))
  )
    throw new AsyncEventRejectedError('MALFORMED', 'async event payload is not a manual sync');
  return { days: days as number, ...(userId === undefined ? {} : { userId: userId as string }) };
}

/**
 * The `queueManualSync` core's `POST /sync/manual` gets in `async-invoke` mode: the accepted request
 * is signed for the target function and queued there, so the caller is answered 202 at once, long
 * before API Gateway's 29 s, and the sync gets the whole invocation (the function's timeout).
 */
export function queueManualSyncBySelfInvoke(
  options: SelfInvokeOptions,
): (request: ManualSyncRequest) => Promise<void> {
  return async (request) => {
    const target = queueTarget(options.target, 'manual sync');
    const event = signManualSync(request, {
      key: options.key,
      functionName: functionNameOf(target),
      now: options.now(),
    });
    await invokeSelf(options.client, target, event, 'manual sync');
  };
}

/**
 * Runs a queued manual sync: authenticate, then `sync.syncManual` (what the route would have run).
 * Its reports go to the log, and their outcome to each account's health (`GET /status`), since
 * nobody waits for them; a failure is an error line, not a thrown error, for the reason a queued
 * webhook sync's is (Lambda's retries would run into the same outage at once). A refused event is
 * logged and answered normally, so Lambda does not retry a forgery.
 */
export async function runQueuedManualSync(
  sync: Sync,
  event: Record<string, unknown>,
  context: LambdaContextLike,
  settings: QueuedEventSettings,
): Promise<LambdaEventResult> {
  const { log } = settings;
  const verified = verifyQueuedEvent(event, context, settings, verifyManualSync);
  if ('rejected' in verified) return { kind: 'manual-sync', status: 'rejected', reason: verified.rejected };
  const request = verified.value;
  const reports = await sync.syncManual(request);
  const failed = reports.filter((report) => report.failed.length > 0);
  const fields = {
    ...request,
    accounts: reports.length,
    synced: reports.reduce((sum, report) => sum + report.synced.length, 0),
    failed: reports.reduce((sum, report) => sum + report.failed.length, 0),
    requestId: context.awsRequestId,
  };
  if (failed.length > 0) {
    log.error('lambda.manual.failed', {
      ...fields,
      failures: failed.flatMap((report) => report.failed.map((f) => f.code)),
    });
  } else {
    log.info('lambda.manual.synced', fields);
  }
  return { kind: 'manual-sync', status: 'synced', reports };
}
