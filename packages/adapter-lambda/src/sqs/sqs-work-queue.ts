import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { type WorkMessage, type WorkQueue, workMessageToJson } from '@wg-sync/core';
import { LambdaAdapterError } from '../errors.js';
import { loadSqsSdk, queueNameOf, sqsClientSource } from './sqs-sdk.js';

/** Options of {@link sqsWorkQueue}. */
export interface SqsWorkQueueOptions {
  /** The queue's URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`; the template's `WorkQueue`). */
  queueUrl: string;
  /** Default: an `SQSClient` (region and credentials from the environment), created on first use. */
  client?: SQSClient;
  /** `SendMessageBatch` calls in flight at once (default 8; each carries up to 10 messages). */
  concurrency?: number;
}

/** SQS's limit per `SendMessageBatch` call. */
const BATCH = 10;
/** Attempts per entry: SQS reports throttled or internal failures per entry, and they pass on a retry. */
const ATTEMPTS = 3;

/**
 * Core's `WorkQueue` on Amazon SQS: `send` puts every message on the queue with `SendMessageBatch`
 * (10 a call, several calls at once) and resolves once SQS has stored each one, so a message is
 * never lost between the caller and the queue. Entries SQS refuses for a passing reason (throttling,
 * an internal error) are sent again, twice; any still refused, or refused for good (SenderFault),
 * reject the whole call. Messages already stored stay: they are idempotent, and the caller's retry
 * only repeats them. `delaySeconds` (0–900, rounded up) becomes the message's `DelaySeconds`.
 *
 * `@aws-sdk/client-sqs` is imported at the first `send`, not when the queue is made.
 *
 * @throws {@link LambdaAdapterError} `INVALID_OPTIONS` at creation for a `queueUrl` that is not an
 *   http(s) URL; `send` rejects with `QUEUE_SEND_FAILED` (SQS's error codes, never a message body).
 *
 * @example
 * ```ts
 * import { createSync } from '@wg-sync/core';
 * import { sqsWorkQueue } from '@wg-sync/adapter-lambda';
 *
 * const queue = sqsWorkQueue({ queueUrl: process.env.WG_SYNC_QUEUE_URL! });
 * const sync = createSync({ ...config, queue });
 * ```
 */
export function sqsWorkQueue(options: SqsWorkQueueOptions): WorkQueue {
  const { queueUrl } = options;
  if (!/^https?:\/\/[^/\s]+\/\S+$/.test(queueUrl ?? ''))
    throw new LambdaAdapterError(
      'INVALID_OPTIONS',
      'sqsWorkQueue: queueUrl must be the queue URL (https://sqs.…/account/name)',
    );
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  const client = sqsClientSource(options.client);
  return {
    async send(items) {
      const entries = items.map((item, index) => entryOf(item.message, item.delaySeconds, index));
      const batches: SendMessageBatchRequestEntry[][] = [];
      for (let i = 0; i < entries.length; i += BATCH) batches.push(entries.slice(i, i + BATCH));
      const refused: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const batch = batches[next++] as SendMessageBatchRequestEntry[];
          refused.push(...(await sendBatch(client, queueUrl, batch)));
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      if (refused.length > 0) {
        const codes = [...new Set(refused)].join(', ');
        throw new LambdaAdapterError(
          'QUEUE_SEND_FAILED',
          `SQS did not store ${refused.length} of ${entries.length} messages on ${queueNameOf(queueUrl)} (${codes}); the ones stored stay queued`,
        );
      }
    },
  };
}

function entryOf(
  message: WorkMessage,
  delaySeconds: number | undefined,
  index: number,
): SendMessageBatchRequestEntry {
  const delay = Math.min(900, Math.max(0, Math.ceil(delaySeconds ?? 0)));
  return {
    Id: String(index),
    MessageBody: workMessageToJson(message),
    ...(delay > 0 ? { DelaySeconds: delay } : {}),
    // Shown in the console and on dead letters; the body says the same.
    MessageAttributes: { kind: { DataType: 'String', StringValue: message.kind } },
  };
}

/** Sends one batch, retrying entries SQS refused for a passing reason; returns the codes of those it never stored. */
async function sendBatch(
  client: () => Promise<SQSClient>,
  queueUrl: string,
  batch: SendMessageBatchRequestEntry[],
): Promise<string[]> {
  let pending = batch;
  let codes: string[] = [];
  for (let attempt = 1; attempt <= ATTEMPTS && pending.length > 0; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    let failed: Array<{ Id?: string; Code?: string; SenderFault?: boolean }>;
    try {
      const [{ SendMessageBatchCommand }, sqs] = await Promise.all([loadSqsSdk(), client()]);
      const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      failed = answer.Failed ?? [];
    } catch (error) {
      // The whole call failed (network, credentials, a missing queue): every entry is still unsent.
      failed = pending.map((entry) => ({ Id: entry.Id, Code: (error as Error)?.name ?? 'Error' }));
      if ((error as { $fault?: string })?.$fault === 'client') return failed.map((f) => f.Code as string);
    }
    const byId = new Map(failed.map((f) => [f.Id, f]));
    codes = failed.map((f) => f.Code ?? 'UNKNOWN');
    // An entry SQS refused as the sender's fault fails the same way again.
    if (failed.some((f) => f.SenderFault)) return codes;
    pending = pending.filter((entry) => byId.has(entry.Id));
  }
  return pending.length > 0 ? codes : [];
}
