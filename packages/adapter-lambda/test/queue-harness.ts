import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SyncConfig, WorkMessage } from '@wg-sync/core';
import { onCleanup } from '@wg-sync/test-support';
import {
  type DeadLetter,
  deadLetters,
  type LocalSqs,
  lambdaContext,
  sqsEventSource,
  startLocalSqs,
} from '@wg-sync/test-support/local-sqs';
import { type LambdaQueueOptions, lambdaAdapter } from '../src/lambda-adapter.js';
import type { LambdaHandler } from '../src/lambda-events.js';
import { sqsWorkQueue } from '../src/sqs/sqs-work-queue.js';
import { type World, world } from './harness.js';

export { lambdaContext as roomyContext };

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
  deadLetters(): Promise<DeadLetter[]>;
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
  const source = sqsEventSource({ client, queueUrl, handler: (event) => handler(event, lambdaContext()) });
  return {
    ...w,
    sqs,
    client,
    queueUrl,
    deadLetterQueueUrl,
    handler,
    poll: () => source.poll(),
    drain: () => source.drain(),
    send: (...messages) => workQueue.send(messages.map((message) => ({ message }))),
    deadLetters: () => deadLetters(client, deadLetterQueueUrl),
  };
}
