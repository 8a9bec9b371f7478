import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { jsonLogger, type Logger, Redactor, type Sync, type WorkQueue } from '@wg-sync/core';
import { isAsyncNotificationEvent } from './async/async-notification.js';
import { asyncSigningKey } from './async/async-signing-key.js';
import { deferBySelfInvoke } from './async/defer-by-self-invoke.js';
import { lambdaClientSource } from './async/invoke-self.js';
import {
  isManualSyncEvent,
  queueManualSyncBySelfInvoke,
  runQueuedManualSync,
} from './async/queued-manual-sync.js';
import { DEFERRED_SYNC_RESERVE_SECONDS, runAsyncNotification } from './async/run-async-notification.js';
import { LambdaAdapterError, UnknownEventError, type UnknownEventType } from './errors.js';
import { httpProcessorFor, viaProcessor } from './http/http-event-processor.js';
import { basePathProblem } from './http/web-request.js';
import type { LambdaAdapterResult, LambdaContextLike, LambdaHandler } from './lambda-events.js';
import { isScheduledEvent, type ReconcileFailedError, runScheduledReconcile } from './scheduled-event.js';
import { deferToQueue, queueManualSyncToQueue, runScheduledEnqueue } from './sqs/queue-mode.js';
import { runSqsBatch } from './sqs/run-sqs-batch.js';
import { isSqsEvent } from './sqs/sqs-event.js';
import { sqsClientSource } from './sqs/sqs-sdk.js';
import { sqsWorkQueue } from './sqs/sqs-work-queue.js';

/**
 * Queue mode ({@link LambdaAdapterOptions.queue}): per-account work goes through an SQS queue that
 * this function also consumes (an SQS event source with `ReportBatchItemFailures`).
 */
export interface LambdaQueueOptions {
  /** The work queue's URL (the template's `WorkQueue`, `WG_SYNC_QUEUE_URL`). */
  queueUrl: string;
  /**
   * The dead-letter queue's URL (`WG_SYNC_DEAD_LETTER_QUEUE_URL`): a record that cannot be done is
   * sent there with a `reason` attribute (its typed code) and acknowledged. Without it a failing
   * record is retried until SQS's own redrive moves it (no reason attached).
   */
  deadLetterQueueUrl?: string;
  /**
   * The work queue's `maxReceiveCount` (default 5, the template's; `WG_SYNC_QUEUE_MAX_RECEIVES`): a
   * retryable failure on this receive goes to the dead-letter queue. Keep it equal to the queue's.
   */
  maxReceives?: number;
  /** A failed record comes back after this × 2^(receives − 1) seconds, at most 900 (default 30). */
  retryBaseSeconds?: number;
  /** The client for every SQS call (default: an `SQSClient`, created on first use). */
  client?: SQSClient;
  /**
   * The queue the webhook route and manual syncs send to (default: `sqsWorkQueue({ queueUrl,
   * client })`). Give the engine the same queue (`createSync({ queue })`): the schedule's
   * `enqueueDueReconciles` sends through the engine's.
   */
  workQueue?: WorkQueue;
}

/** Options of {@link lambdaAdapter}. */
export interface LambdaAdapterOptions {
  /**
   * How a webhook is processed. `async-invoke` (default): the webhook is validated and recorded,
   * and the sync core's debounce asks for (the window's first, or its closing one with `notBefore`)
   * is queued as a signed async invocation of this function; the answer is 200 `accepted` at once,
   * and the queued event runs the sync (the closing one waits for `notBefore` first). `inline`: the
   * sync runs in the same invocation and the answer waits for it (tests, small setups).
   */
  processing?: 'async-invoke' | 'inline';
  /** The Lambda client for the self-invocation (default: a new `LambdaClient`, region from the environment). */
  lambdaClient?: LambdaClient;
  /**
   * The function to queue notifications on (name or ARN). Default: the invoked function
   * (`context.invokedFunctionArn`, else `AWS_LAMBDA_FUNCTION_NAME`).
   */
  functionName?: string;
  /**
   * Any secret string of the deployment; the async events' HMAC key is derived from it with HKDF.
   * Default: `WITHINGS_CLIENT_SECRET` from the environment. Required for `async-invoke`.
   */
  signingSecret?: string;
  /** Async events older than this are refused (default 3600 s, the template's `MaximumEventAgeInSeconds`). */
  asyncMaxAgeSeconds?: number;
  /**
   * The base path of a custom domain's API mapping (`/wg` for `https://sync.example.com/wg`): API
   * Gateway keeps it in the event's path, so it is removed, as whole leading segments, before the
   * engine routes the request (stages are removed on their own). With it set, a request whose path
   * is outside it (the bare `execute-api` URL, a Function URL) is answered as core answers an
   * unknown route, `404 {"error":{"code":"NOT_FOUND","message":"no such route"}}`.
   */
  basePath?: string;
  /**
   * Queue mode: webhook syncs (with a debounce window's `notBefore` as the message's delay) and
   * manual syncs (one message per account) are sent to this SQS queue instead of a signed
   * self-invocation; SQS events are run record by record through `sync.work.run`; and the
   * scheduled event only enqueues the reconciles due (`sync.work.enqueueDueReconciles`). Without
   * it, today's self-invocation stays (deployments from older templates).
   */
  queue?: LambdaQueueOptions;
  /** Where the adapter's own lines go (default: a JSON logger on stdout/stderr). Lines are redacted. */
  logger?: Logger;
  /** Clock for signing and checking async events. */
  now?: () => Date;
}

/**
 * Mounts the engine on AWS Lambda: one handler for API Gateway REST (v1) and HTTP API (v2) events,
 * Function URL events, EventBridge scheduled events (→ `sync.reconcile()`) and the adapter's own
 * signed async notifications (→ `sync.syncNotification()`). It only translates I/O; every route and
 * all protocol logic stay in `sync.handler`.
 *
 * @throws {@link LambdaAdapterError} `INVALID_OPTIONS` at creation when `async-invoke` has no signing
 *   secret, or `basePath` is not a path.
 *   The returned handler rejects with {@link ReconcileFailedError} (`RECONCILE_FAILED`) when a scheduled
 *   reconcile had any failure (after logging its report), so the invocation counts as an error.
 *
 * @example
 * ```ts
 * import { createSync, loadConfigFromEnv } from '@wg-sync/core';
 * import { dynamoStore, lambdaAdapter } from '@wg-sync/adapter-lambda';
 *
 * const sync = createSync({ ...loadConfigFromEnv(), store: dynamoStore({ tableName: process.env.WG_SYNC_TABLE! }) });
 * export const handler = lambdaAdapter(sync);
 * ```
 */
export function lambdaAdapter(sync: Sync, options: LambdaAdapterOptions = {}): LambdaHandler {
  const processing = options.processing ?? 'async-invoke';
  if (processing !== 'async-invoke' && processing !== 'inline') {
    throw new LambdaAdapterError('INVALID_OPTIONS', 'processing must be "async-invoke" or "inline"');
  }
  const secret = options.signingSecret ?? process.env.WITHINGS_CLIENT_SECRET;
  if (processing === 'async-invoke' && !secret) {
    throw new LambdaAdapterError(
      'INVALID_OPTIONS',
      'processing "async-invoke" signs its queued events: pass signingSecret (or set WITHINGS_CLIENT_SECRET), or use processing: "inline"',
    );
  }
  const basePath = options.basePath?.trim() || undefined;
  const basePathInvalid = basePath === undefined ? undefined : basePathProblem(basePath);
  if (basePathInvalid) throw new LambdaAdapterError('INVALID_OPTIONS', basePathInvalid);
  const key = secret ? asyncSigningKey(secret) : undefined;
  const redactor = new Redactor();
  redactor.pin(secret);
  const log = redactor.logger(options.logger ?? jsonLogger());
  const now = options.now ?? (() => new Date());
  const lambdaClient = lambdaClientSource(options.lambdaClient);
  const queueMode = options.queue ? queueSettings(options.queue, log, redactor) : undefined;
  const settings = {
    key,
    log,
    now,
    maxAgeSeconds: options.asyncMaxAgeSeconds ?? 3600,
    functionName: options.functionName,
  };

  return async function handler(
    event: unknown,
    context: LambdaContextLike = {},
  ): Promise<LambdaAdapterResult> {
    const processor = httpProcessorFor(event);
    if (processor) {
      const pending: Array<Promise<unknown>> = [];
      const queue =
        processing === 'async-invoke' && key
          ? {
              client: lambdaClient,
              key,
              now,
              target:
                options.functionName ?? context.invokedFunctionArn ?? process.env.AWS_LAMBDA_FUNCTION_NAME,
            }
          : undefined;
      const requestId = requestIdOf(context);
      const result = await viaProcessor(
        processor,
        event,
        (request, { clientAddress }) =>
          sync.handler(request, {
            waitUntil: (p) => void pending.push(p),
            // API Gateway gives up after 29 s, a sync may take longer: both run in a queued invocation.
            ...(queueMode && processing === 'async-invoke'
              ? {
                  defer: deferToQueue(queueMode.workQueue, now),
                  queueManualSync: queueManualSyncToQueue(sync, queueMode.workQueue),
                }
              : queue
                ? { defer: deferBySelfInvoke(queue), queueManualSync: queueManualSyncBySelfInvoke(queue) }
                : {}),
            // The throttle of failed bearer attempts counts per source; without it, all share one.
            ...(clientAddress ? { clientAddress } : {}),
            ...(requestId ? { requestId } : {}),
          }),
        {
          log,
          ...(requestId ? { requestId } : {}),
          ...(basePath === undefined ? {} : { basePath }),
        },
      );
      // Lambda freezes the process once the handler returns, so work handed to waitUntil finishes first.
      await settle(pending, context, log);
      return result;
    }
    if (isScheduledEvent(event)) {
      log.info('lambda.schedule', { time: event.time });
      return queueMode ? runScheduledEnqueue(sync, event, log) : runScheduledReconcile(sync, log, redactor);
    }
    if (isSqsEvent(event)) {
      // Without a queue configured there is nowhere to dead-letter or back off: fail loudly, so
      // Lambda's Errors metric shows a mapping that points at a function not set up for it.
      if (!queueMode)
        throw new LambdaAdapterError(
          'INVALID_OPTIONS',
          'an SQS event arrived but the adapter has no queue: set WG_SYNC_QUEUE_URL (or the queue option)',
        );
      return runSqsBatch(sync, event, context, queueMode.batch);
    }
    if (isAsyncNotificationEvent(event)) {
      return isManualSyncEvent(event)
        ? runQueuedManualSync(sync, event, context, settings)
        : runAsyncNotification(sync, event, context, settings);
    }
    throw new UnknownEventError(eventKeys(event), eventTypeOf(event));
  };
}

function queueSettings(queue: LambdaQueueOptions, log: Logger, redactor: Redactor) {
  const maxReceives = queue.maxReceives ?? 5;
  if (!Number.isSafeInteger(maxReceives) || maxReceives < 1 || maxReceives > 1000)
    throw new LambdaAdapterError(
      'INVALID_OPTIONS',
      'queue.maxReceives must be a whole number from 1 to 1000',
    );
  const retryBaseSeconds = queue.retryBaseSeconds ?? 30;
  if (!(retryBaseSeconds >= 0 && retryBaseSeconds <= 900))
    throw new LambdaAdapterError('INVALID_OPTIONS', 'queue.retryBaseSeconds must be from 0 to 900');
  const workQueue =
    queue.workQueue ??
    sqsWorkQueue({ queueUrl: queue.queueUrl, ...(queue.client ? { client: queue.client } : {}) });
  return {
    workQueue,
    batch: {
      log,
      redactor,
      client: sqsClientSource(queue.client),
      queueUrl: queue.queueUrl,
      deadLetterQueueUrl: queue.deadLetterQueueUrl?.trim() || undefined,
      maxReceives,
      retryBaseSeconds,
      // What a queued webhook sync keeps for the sync itself.
      reserveMs: DEFERRED_SYNC_RESERVE_SECONDS * 1000,
    },
  };
}

async function settle(pending: Array<Promise<unknown>>, context: LambdaContextLike, log: Logger) {
  if (pending.length === 0) return;
  const left = context.getRemainingTimeInMillis?.();
  const all = Promise.allSettled(pending);
  if (left === undefined) {
    await all;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    all.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, left - 1000));
    }),
  ]);
  clearTimeout(timer);
  if (!finished) log.warn('lambda.background.unfinished', { pending: pending.length });
}

/**
 * Lambda's request id, when it looks like one: it is echoed in error answers (`x-request-id`), so it
 * must be a valid header value, and it leads from an answer to its log lines.
 */
export function requestIdOf(context: LambdaContextLike | undefined): string | undefined {
  const id = context?.awsRequestId;
  return typeof id === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(id) ? id : undefined;
}

function eventTypeOf(event: unknown): UnknownEventType {
  if (event === null) return 'null';
  if (Array.isArray(event)) return 'array';
  const type = typeof event;
  return type === 'object' ||
    type === 'string' ||
    type === 'number' ||
    type === 'boolean' ||
    type === 'undefined'
    ? type
    : 'other';
}

/** Top-level key names only, filtered to harmless characters: an unknown event may carry anything. */
function eventKeys(event: unknown): string[] {
  if (eventTypeOf(event) !== 'object') return [];
  return Object.keys(event as object)
    .slice(0, 12)
    .map((key) => key.replace(/[^\w.-]/g, '?').slice(0, 40));
}
