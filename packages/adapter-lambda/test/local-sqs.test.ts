import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { receive, startLocalSqs } from '@wg-sync/test-support/local-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The tests' SQS (local-aws-sqs, see @wg-sync/test-support/local-sqs) is only worth its place if it
 * speaks what the real client speaks and keeps SQS's rules that wg-sync leans on. Proven here with
 * the SDK client the adapter ships.
 */
let sqs: Awaited<ReturnType<typeof startLocalSqs>>;
let client: SQSClient;
beforeAll(async () => {
  sqs = await startLocalSqs();
  client = sqs.client();
});
afterAll(() => sqs.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the local SQS the tests use', { timeout: 20_000 }, () => {
  it('is spoken to in AWS JSON 1.0, the protocol @aws-sdk/client-sqs v3 uses', async () => {
    const seen: Array<Record<string, string>> = [];
    const watched = sqs.client();
    watched.middlewareStack.add(
      (next) => async (args) => {
        seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'watch-protocol' },
    );
    const { queueUrl } = await sqs.queues();
    await watched.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"v":1}' }));
    expect(seen[0]?.['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen[0]?.['x-amz-target']).toBe('AmazonSQS.SendMessage');
    const [message] = await receive(client, queueUrl);
    expect(message?.Body).toBe('{"v":1}');
  });

  it('hides a received message for its visibility timeout, counts receives, and honours DelaySeconds', async () => {
    const { queueUrl } = await sqs.queues({ visibilityTimeoutSeconds: 1 });
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'now', MessageBody: 'now' },
          { Id: 'later', MessageBody: 'later', DelaySeconds: 1 },
        ],
      }),
    );
    expect(await sqs.depth(queueUrl)).toEqual({ visible: 1, inFlight: 0, delayed: 1 });
    const first = await receive(client, queueUrl);
    expect(first.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['now', '1']]);
    expect(await receive(client, queueUrl)).toEqual([]);
    await sleep(1300);
    const second = await receive(client, queueUrl);
    expect(second.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount]).sort()).toEqual([
      ['later', '1'],
      ['now', '2'],
    ]);
    // A changed visibility is what the adapter's backoff relies on.
    const now = second.find((m) => m.Body === 'now');
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: now?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    // …and is not a receive: the next one is the third, as in SQS (the patched local-aws-sqs).
    expect(
      (await receive(client, queueUrl)).map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount]),
    ).toEqual([['now', '3']]);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives, body intact', async () => {
    const { queueUrl, deadLetterQueueUrl } = await sqs.queues({
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 1,
    });
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'poison',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'webhook' } },
      }),
    );
    for (const count of ['1', '2']) {
      const [message] = await receive(client, queueUrl);
      expect(message?.Attributes?.ApproximateReceiveCount).toBe(count);
      expect(message?.MessageAttributes?.kind?.StringValue).toBe('webhook');
      await sleep(1100);
    }
    expect(await receive(client, queueUrl)).toEqual([]);
    const dead = await receive(client, deadLetterQueueUrl);
    expect(dead.map((m) => m.Body)).toEqual(['poison']);
  });
});
