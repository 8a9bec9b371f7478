import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { localAwsClients, localAwsConfig } from './local-aws.js';

/*
 * SQS on 127.0.0.1 for tests, the way dynalite stands in for DynamoDB: local-aws-sqs (npm) is a real
 * SQS implementation, speaking the AWS JSON 1.0 protocol that @aws-sdk/client-sqs v3 uses (and the
 * older query protocol), with visibility timeouts, delays, ApproximateReceiveCount, message
 * attributes and RedrivePolicy moves to a dead-letter queue, all in real time. Two of its quirks are
 * worked around here, in the receiving side only (which is Lambda's in production, not wg-sync's):
 * it reads the system attributes asked for from the deprecated `AttributeNames` only, and a long poll
 * (`WaitTimeSeconds` > 0) waits the whole time and can return a message twice when its visibility
 * ends during the wait; so receives here ask both names and never long-poll. A third is patched
 * (patches/local-aws-sqs@2.0.2.patch): it counted a ChangeMessageVisibility as one more receive.
 */

/** A queue and its dead-letter queue, as the reference template makes them. */
export interface LocalQueues {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/** SQS on 127.0.0.1 and a client for it. */
export interface LocalSqs {
  endpoint: string;
  /** A client with a dummy region and credentials, pointed at the local server (one per test is fine). */
  client(): SQSClient;
  /** A fresh queue with a dead-letter queue that takes messages after `maxReceiveCount` receives. */
  queues(options?: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number }): Promise<LocalQueues>;
  /** Visible, in flight and delayed messages of a queue (GetQueueAttributes). */
  depth(queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }>;
  close(): Promise<void>;
}

let named = 0;

export async function startLocalSqs(): Promise<LocalSqs> {
  const server = await createSqsServer({ port: 0, hostname: '127.0.0.1', validateDlqDestination: true });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = localAwsClients(() => new SQSClient(localAwsConfig(endpoint)));
  const client = clients.client;
  const admin = client();
  return {
    endpoint,
    client,
    async queues({ maxReceiveCount = 5, visibilityTimeoutSeconds = 30 } = {}) {
      named += 1;
      const name = `wg-sync-${process.pid}-${named}`;
      const dead = await admin.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
      const deadLetterQueueUrl = dead.QueueUrl as string;
      const { Attributes } = await admin.send(
        new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const work = await admin.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            VisibilityTimeout: String(visibilityTimeoutSeconds),
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount }),
          },
        }),
      );
      return { queueUrl: work.QueueUrl as string, deadLetterQueueUrl };
    },
    depth: (queueUrl) => queueDepth(admin, queueUrl),
    async close() {
      clients.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Visible, in flight and delayed messages of a queue (GetQueueAttributes). */
export async function queueDepth(
  client: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  return {
    // local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages too (SQS does not).
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0) - inFlight,
    inFlight,
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Receives up to `max` visible messages with every attribute, as Lambda's poller asks for them. */
export async function receive(client: SQSClient, queueUrl: string, max = 10): Promise<Message[]> {
  const { Messages = [] } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: 0,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

/** What one poll of {@link sqsEventSource} did. */
export interface PollResult {
  /** Records handed to the function. */
  delivered: number;
  /** Records the function reported failed (left on the queue). */
  failed: number;
  /** The function threw (or was "killed"): nothing was deleted. */
  crashed: boolean;
}

/** Lambda's SQS event source mapping around one function. */
export interface EventSource {
  /** One receive of a batch, handed to the function, and the deletes its answer allows. */
  poll(): Promise<PollResult>;
  /** Polls until the queue holds nothing, visible, in flight or delayed (at most `timeoutMs`, default 10 s). */
  drain(timeoutMs?: number): Promise<void>;
}

/**
 * Lambda's SQS event source mapping, as AWS documents it: receive a batch, hand it to the function as
 * an `aws:sqs` event, then delete every record except those in the answer's `batchItemFailures`; a
 * function that throws (or times out) deletes none, so the whole batch comes back after its
 * visibility timeout. SQS itself moves a message to the dead-letter queue once it has been received
 * more than `maxReceiveCount` times.
 */
export function sqsEventSource(options: {
  client: SQSClient;
  queueUrl: string;
  handler: (event: unknown) => Promise<unknown>;
  batchSize?: number;
}): EventSource {
  const { client, queueUrl, handler } = options;
  const name = new URL(queueUrl).pathname.split('/').pop() as string;
  const arn = `arn:aws:sqs:eu-west-1:123456789012:${name}`;
  const source: EventSource = {
    async drain(timeoutMs = 10_000) {
      // Bounded: a crashed batch comes back only after the queue's visibility timeout.
      for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
        const depth = await queueDepth(client, queueUrl);
        if (depth.visible + depth.inFlight + depth.delayed === 0) return;
        if ((await source.poll()).delivered === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`the queue did not drain: ${JSON.stringify(await queueDepth(client, queueUrl))}`);
    },
    async poll() {
      const messages = await receive(client, queueUrl, options.batchSize ?? 10);
      if (messages.length === 0) return { delivered: 0, failed: 0, crashed: false };
      const event = { Records: messages.map((message) => lambdaRecord(message, arn)) };
      let answer: unknown;
      try {
        answer = await handler(event);
      } catch {
        return { delivered: messages.length, failed: messages.length, crashed: true };
      }
      const failures = new Set(
        ((answer as { batchItemFailures?: Array<{ itemIdentifier: string }> })?.batchItemFailures ?? []).map(
          (f) => f.itemIdentifier,
        ),
      );
      const done = messages.filter((m) => !failures.has(m.MessageId as string));
      if (done.length > 0) {
        const { Failed = [] } = await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
          }),
        );
        if (Failed.length > 0) throw new Error(`DeleteMessageBatch failed: ${JSON.stringify(Failed)}`);
      }
      return { delivered: messages.length, failed: failures.size, crashed: false };
    },
  };
  return source;
}

/** A Lambda context with `ms` left, as a 180 s function has at its start. */
export function lambdaContext(ms = 180_000): {
  functionName: string;
  invokedFunctionArn: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
} {
  const deadline = Date.now() + ms;
  return {
    functionName: 'wg-sync-test-sync',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:wg-sync-test-sync',
    awsRequestId: 'd7f0c8a2-7b61-11e6-9a41-93e812345678',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

/** A message of a dead-letter queue as wg-sync's adapter sends it: the body and its attributes. */
export interface DeadLetter {
  body: string;
  /** The typed code (absent when SQS's own redrive moved it). */
  reason?: string;
  receives?: string;
  kind?: string;
}

/** What a dead-letter queue holds (up to 10 visible messages), body and reason. */
export async function deadLetters(client: SQSClient, deadLetterQueueUrl: string): Promise<DeadLetter[]> {
  return (await receive(client, deadLetterQueueUrl)).map((m) => ({
    body: m.Body as string,
    reason: m.MessageAttributes?.reason?.StringValue,
    receives: m.MessageAttributes?.receives?.StringValue,
    kind: m.MessageAttributes?.kind?.StringValue,
  }));
}

/** An SQS message as Lambda puts it in an event record (lower-case keys, string attributes). */
function lambdaRecord(message: Message, eventSourceARN: string) {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [
        key,
        {
          stringValue: value.StringValue,
          dataType: value.DataType,
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion: 'eu-west-1',
  };
}
