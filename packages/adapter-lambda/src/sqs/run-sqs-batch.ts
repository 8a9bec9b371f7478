import type { SQSClient } from '@aws-sdk/client-sqs';
import { type Logger, parseWorkMessage, type Redactor, type Sync, type WorkMessage } from '@wg-sync/core';
import type { LambdaContextLike } from '../lambda-events.js';
import type { SqsBatchResult, SqsEvent, SqsRecord } from './sqs-event.js';
import { loadSqsSdk } from './sqs-sdk.js';

/** What {@link runSqsBatch} needs besides the engine. */
export interface SqsBatchSettings {
  log: Logger;
  redactor: Redactor;
  client: () => Promise<SQSClient>;
  /** The work queue (a failed record's backoff, a record put back). */
  queueUrl: string;
  /** Where a record that cannot be done goes, with its reason; without it SQS's redrive moves it, reasonless. */
  deadLetterQueueUrl: string | undefined;
  /** The queue's `maxReceiveCount`: the receive on which a failing record is dead-lettered. */
  maxReceives: number;
  /** A failed record comes back after this × 2^(receives − 1) seconds (at most 900). */
  retryBaseSeconds: number;
  /** A record is not started with less time than this left in the invocation (ms). */
  reserveMs: number;
}

/** Why a record was not done: core's outcome, or what the adapter saw itself. */
interface Failure {
  kind: string;
  userId?: string;
  code: string;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
}

interface Item {
  record: SqsRecord;
  message?: WorkMessage;
  /** The parse failure of a body that is no work message. */
  invalid?: Failure;
}

/**
 * Runs an SQS batch: every record through `sync.work.run`, the records of one account one after
 * another (in order), different accounts side by side. The answer names the records to hand out
 * again (`batchItemFailures`); every other one is deleted by Lambda. A record is never lost: it is
 * done, failed (and comes back after a backoff), or moved to the dead-letter queue with its typed
 * `reason` (retrying cannot help, or this was its last receive) and only then acknowledged.
 */
export async function runSqsBatch(
  sync: Sync,
  event: SqsEvent,
  context: LambdaContextLike,
  settings: SqsBatchSettings,
): Promise<SqsBatchResult> {
  const groups = new Map<string, Item[]>();
  for (const record of event.Records) {
    const item = itemOf(record);
    const key = item.message ? `user:${item.message.userId}` : `record:${record.messageId}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const failed: string[] = [];
  await Promise.all(
    [...groups.values()].map(async (items) => {
      for (const item of items)
        if (!(await runRecord(sync, item, context, settings))) failed.push(item.record.messageId);
    }),
  );
  settings.log.info('lambda.work.batch', {
    records: event.Records.length,
    failed: failed.length,
    requestId: context.awsRequestId,
  });
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

function itemOf(record: SqsRecord): Item {
  try {
    return { record, message: parseWorkMessage(record.body) };
  } catch (error) {
    return {
      record,
      invalid: {
        kind: 'unknown',
        code: 'INVALID_WORK_MESSAGE',
        message: (error as Error)?.message ?? 'not a work message',
        retryable: false,
      },
    };
  }
}

function receivesOf(record: SqsRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isSafeInteger(count) && count > 0 ? count : 1;
}

/** True when the record is done with (ran, or moved to the dead-letter queue); false to hand it out again. */
async function runRecord(
  sync: Sync,
  item: Item,
  context: LambdaContextLike,
  settings: SqsBatchSettings,
): Promise<boolean> {
  const { record } = item;
  const { log } = settings;
  const receives = receivesOf(record);
  const last = receives >= settings.maxReceives;
  const left = context.getRemainingTimeInMillis?.();
  if (left !== undefined && left < settings.reserveMs) return putBack(item, receives, settings);
  const outcome = item.invalid ?? (await run(sync, item.message as WorkMessage));
  if (outcome === 'done') return true;
  const fields = {
    messageId: record.messageId,
    kind: outcome.kind,
    ...(outcome.userId ? { userId: outcome.userId } : {}),
    code: outcome.code,
    retryable: outcome.retryable,
    receives,
    maxReceives: settings.maxReceives,
    message: outcome.message,
  };
  if ((outcome.retryable && !last) || !settings.deadLetterQueueUrl) {
    // Not before the failure says it is worth it (the deployment's Withings backoff after a 601).
    const retryAfterSeconds = Math.ceil((outcome.retryAfterMs ?? 0) / 1000);
    const retryInSeconds = Math.min(
      900,
      Math.max(settings.retryBaseSeconds * 2 ** (receives - 1), retryAfterSeconds),
    );
    if (!settings.deadLetterQueueUrl && (last || !outcome.retryable))
      // SQS's redrive moves it after maxReceiveCount receives, without the reason: this line has it.
      log.error('lambda.work.dead-letter', {
        ...fields,
        moved: false,
        why: 'no WG_SYNC_DEAD_LETTER_QUEUE_URL',
      });
    else log.warn('lambda.work.retry', { ...fields, retryInSeconds });
    await changeVisibility(record, retryInSeconds, settings);
    return false;
  }
  try {
    await deadLetter(record, outcome, receives, settings);
  } catch (error) {
    log.error('lambda.work.dead-letter-failed', { ...fields, error });
    return false;
  }
  log.error('lambda.work.dead-letter', { ...fields, moved: true });
  return true;
}

/** `sync.work.run`, whose outcome is never a rejection; if it rejects anyway, that is a retryable failure. */
async function run(sync: Sync, message: WorkMessage): Promise<Failure | 'done'> {
  try {
    const outcome = await sync.work.run(message);
    return outcome.ok ? 'done' : outcome;
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    return {
      kind: message.kind,
      userId: message.userId,
      code: typeof code === 'string' ? code : 'INTERNAL',
      message: (error as Error)?.message ?? String(error),
      retryable: true,
    };
  }
}

/**
 * A record there is no time left for: handed out again at once. On its last receive that would let
 * SQS dead-letter work that never failed, so it is queued anew (a fresh receive count) instead.
 */
async function putBack(item: Item, receives: number, settings: SqsBatchSettings): Promise<boolean> {
  const { record } = item;
  settings.log.warn('lambda.work.not-started', { messageId: record.messageId, receives });
  if (receives < settings.maxReceives) {
    await changeVisibility(record, 0, settings);
    return false;
  }
  try {
    const [{ SendMessageCommand }, sqs] = await Promise.all([loadSqsSdk(), settings.client()]);
    await sqs.send(new SendMessageCommand({ QueueUrl: settings.queueUrl, MessageBody: record.body }));
    return true;
  } catch (error) {
    settings.log.error('lambda.work.requeue-failed', { messageId: record.messageId, error });
    return false;
  }
}

/** Best effort: without it (no permission, a throttle) the record comes back after the queue's own timeout. */
async function changeVisibility(record: SqsRecord, seconds: number, settings: SqsBatchSettings) {
  try {
    const [{ ChangeMessageVisibilityCommand }, sqs] = await Promise.all([loadSqsSdk(), settings.client()]);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlOf(record, settings.queueUrl),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  } catch (error) {
    settings.log.warn('lambda.work.backoff-failed', { messageId: record.messageId, error });
  }
}

/** The record's queue: the configured one when the ARN names it, else the URL the ARN stands for. */
function queueUrlOf(record: SqsRecord, configured: string): string {
  const arn = /^arn:[^:]+:sqs:([^:]+):(\d+):(.+)$/.exec(record.eventSourceARN ?? '');
  if (!arn || configured.replace(/\/+$/, '').endsWith(`/${arn[3]}`)) return configured;
  return `https://sqs.${arn[1]}.amazonaws.com/${arn[2]}/${arn[3]}`;
}

async function deadLetter(record: SqsRecord, failure: Failure, receives: number, settings: SqsBatchSettings) {
  const [{ SendMessageCommand }, sqs] = await Promise.all([loadSqsSdk(), settings.client()]);
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: settings.deadLetterQueueUrl,
      // The body as it came, so a redrive to the work queue runs it again unchanged.
      MessageBody: record.body,
      MessageAttributes: {
        reason: text(failure.code),
        kind: text(failure.kind),
        ...(failure.userId ? { userId: text(failure.userId) } : {}),
        receives: { DataType: 'Number', StringValue: String(receives) },
        error: text(settings.redactor.text(failure.message).slice(0, 512) || failure.code),
      },
    }),
  );
}
