import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SyncConfig, WorkMessage } from '@wg-sync/core';
import { onCleanup } from '@wg-sync/test-support';
import { type LocalSqs, receive, sqsEventSource, startLocalSqs } from '@wg-sync/test-support/local-sqs';
import { type LambdaQueueOptions, lambdaAdapter } from '../src/lambda-adapter.js';
import type { LambdaContextLike, LambdaHandler } from '../src/lambda-events.js';
import { sqsWorkQueue } from '../src/sqs/sqs-work-queue.js';
import { type World, world } from './harness.js';

/** A Lambda context with `ms` left, as a 180 s function has at its start. */
export function roomyContext(ms = 180_000): LambdaContextLike {
  const deadline = Date.now() + ms;
  return {
    functionName: 'wg-sync-test-sync',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:wg-sync-test-sync',
    awsRequestId: 'd7f0c8a2-7b61-11e6-9a41-93e812345678',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

export interface QueueWorld extends World {
  sqs: LocalSqs;
  client: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** The adapter in queue mode, the engine sending to the same queue. */
  handler: LambdaHandler;
  /** One poll of Lambda's event source mapping. */
  poll(): Promise<{ delivered: number; failed: number; crashed: boolean }>;
  /** Polls until the queue holds nothing (at most 10 s). */
  drain(): Promise<void>;
  /** Puts messages on the work queue as the engine would. */
  send(...messages: WorkMessage[]): Promise<void>;
  /** What the dead-letter queue holds: body and reason. */
  deadLetters(): Promise<Array<{ body: string; reason?: string; receives?: string; kind?: string }>>;
}

/**
 * {@link world} in queue mode: a local SQS work queue and dead-letter queue (`maxReceiveCount`
 * `maxReceives`), the engine's queue and the adapter's on it, and Lambda's event source around the
 * adapter. Failed records come back at once (`retryBaseSeconds: 0`) unless told otherwise.
 */
export async function queueWorld(
  options: {
    config?: Partial<SyncConfig>;
    queue?: Partial<LambdaQueueOptions>;
    maxReceives?: number;
    visibilityTimeoutSeconds?: number;
  } = {},
): Promise<QueueWorld> {
  const sqs = await startLocalSqs();
  onCleanup(() => sqs.close());
  const maxReceives = options.maxReceives ?? 3;
  const { queueUrl, deadLetterQueueUrl } = await sqs.queues({
    maxReceiveCount: maxReceives,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
  });
  const client = sqs.client();
  const workQueue = sqsWorkQueue({ queueUrl, client });
  const w = await world({ queue: workQueue, ...options.config });
  const handler = lambdaAdapter(w.sync, {
    signingSecret: w.withings.clientSecret,
    logger: w.config.logger,
    queue: {
      queueUrl,
      deadLetterQueueUrl,
      maxReceives,
      retryBaseSeconds: 0,
      client,
      workQueue,
      ...options.queue,
    },
  });
  const source = sqsEventSource({ client, queueUrl, handler: (event) => handler(event, roomyContext()) });
  return {
    ...w,
    sqs,
    client,
    queueUrl,
    deadLetterQueueUrl,
    handler,
    poll: () => source.poll(),
    async drain() {
      // Bounded: a crashed batch comes back only after the queue's visibility timeout.
      for (const end = Date.now() + 10_000; Date.now() < end; ) {
        const depth = await sqs.depth(queueUrl);
        if (depth.visible + depth.inFlight + depth.delayed === 0) return;
        if ((await source.poll()).delivered === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`the queue did not drain: ${JSON.stringify(await sqs.depth(queueUrl))}`);
    },
    send: (...messages) => workQueue.send(messages.map((message) => ({ message }))),
    async deadLetters() {
      return (await receive(client, deadLetterQueueUrl)).map((m) => ({
        body: m.Body as string,
        reason: m.MessageAttributes?.reason?.StringValue,
        receives: m.MessageAttributes?.receives?.StringValue,
        kind: m.MessageAttributes?.kind?.StringValue,
      }));
    },
  };
}
