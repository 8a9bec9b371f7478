import { parseWorkMessage } from '@wg-sync/core';
import { until } from '@wg-sync/test-support';
import { receive } from '@wg-sync/test-support/local-sqs';
import { describe, expect, it } from 'vitest';
import { fixture, minutesAgo, notificationBody, type World } from './harness.js';
import { type QueueWorld, queueWorld, roomyContext } from './queue-harness.js';

type Line = { level: string; event: string; [field: string]: unknown };
const lines = (w: World): Line[] => w.logs.map((l) => JSON.parse(l) as Line);

/** A REST API webhook event announcing a weigh-in the simulator now holds. */
function webhook(w: World, weightKg = 81.4, minutes = 5) {
  const takenAt = minutesAgo(minutes);
  w.withings.addWeighIn(w.userId, { takenAt, weightKg });
  const event = fixture<{ body: string; isBase64Encoded: boolean }>('api-gateway-v1-webhook-post');
  event.body = notificationBody(w.userId, takenAt);
  event.isBase64Encoded = false;
  return event;
}

const expectNoSecrets = (w: QueueWorld, ...things: unknown[]) => {
  const text = JSON.stringify(things) + w.logs.join('\n');
  for (const secret of w.secrets()) expect(text).not.toContain(secret);
};

describe('queue mode: per-account work through SQS', { timeout: 30_000 }, () => {
  it('answers a webhook at once with no upstream call; its sync is a work message the SQS event runs', async () => {
    const w = await queueWorld();
    const before = w.upstreamCalls();
    const answer = await w.handler(webhook(w), roomyContext());
    expect(answer).toMatchObject({ statusCode: 200 });
    expect(w.upstreamCalls()).toBe(before);
    const [queued] = await receive(w.client, w.queueUrl);
    expect(parseWorkMessage(queued?.Body as string)).toMatchObject({
      v: 1,
      kind: 'webhook',
      userId: w.userId,
    });
    expect(queued?.MessageAttributes?.kind?.StringValue).toBe('webhook');
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(0);

    // Handed out again (its receive above did not delete it) to Lambda's event source.
    await w.sqs.client().send(
      new (await import('@aws-sdk/client-sqs')).ChangeMessageVisibilityCommand({
        QueueUrl: w.queueUrl,
        ReceiptHandle: queued?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect(await w.poll()).toEqual({ delivered: 1, failed: 0, crashed: false });
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    expect(await w.sqs.depth(w.queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(lines(w).find((l) => l.event === 'lambda.work.batch')).toMatchObject({ records: 1, failed: 0 });
    expectNoSecrets(w);
  });

  it("queues a debounce window's closing sync with the window's end as the message's delay", async () => {
    const w = await queueWorld({ config: { webhookDebounceSeconds: 2 } });
    await w.handler(webhook(w, 81.4), roomyContext());
    await w.handler(webhook(w, 81.6, 3), roomyContext());
    expect(await w.sqs.depth(w.queueUrl)).toEqual({ visible: 1, inFlight: 0, delayed: 1 });
    await w.drain();
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(2);
  });

  it('POST /sync/manual for every account enqueues one manual message per linked account, answered 202', async () => {
    const w = await queueWorld();
    const event = fixture<Record<string, unknown>>('api-gateway-v2-manual-sync');
    const answer = (await w.handler(event, roomyContext())) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(202);
    const queued = await receive(w.client, w.queueUrl);
    expect(queued.map((m) => parseWorkMessage(m.Body as string))).toEqual([
      { v: 1, kind: 'manual', userId: w.userId, days: JSON.parse(answer.body).days },
    ]);
  });

  it('the scheduled event only enqueues: no upstream call in that invocation', async () => {
    const w = await queueWorld();
    const before = w.upstreamCalls();
    const result = await w.handler(fixture('eventbridge-scheduled-event'), roomyContext());
    expect(result).toMatchObject({ kind: 'reconcile-enqueued', report: { listed: 1 } });
    expect(w.upstreamCalls()).toBe(before);
    const { enqueued } = (result as { report: { enqueued: number } }).report;
    const depth = await w.sqs.depth(w.queueUrl);
    expect(depth.visible + depth.delayed).toBe(enqueued);
    expect(lines(w).find((l) => l.event === 'lambda.reconcile.enqueued')).toMatchObject({
      level: 'info',
      listed: 1,
    });
  });

  it('the same message delivered 3 times syncs once', async () => {
    const w = await queueWorld();
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(5), weightKg: 80.2 });
    const manual = { v: 1, kind: 'manual', userId: w.userId, days: 2 } as const;
    await w.send(manual, manual, manual);
    await w.drain();
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    expect(await w.deadLetters()).toEqual([]);
  });

  it("a message refused by the deployment's Withings backoff (a 601) comes back no sooner than that backoff ends", async () => {
    const w = await queueWorld({ maxReceives: 3 });
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(5), weightKg: 80.2 });
    w.withings.faults.add({ status: 601, waitSeconds: 120 }, 1, '/measure');
    await w.send({ v: 1, kind: 'manual', userId: w.userId, days: 2 });
    expect(await w.poll()).toMatchObject({ delivered: 1, failed: 1 });
    const [retry] = lines(w).filter((l) => l.event === 'lambda.work.retry');
    // retryBaseSeconds is 0 here: the 120 s are the backoff's.
    expect(retry).toMatchObject({ level: 'warn', code: 'RATE_LIMITED', receives: 1, retryInSeconds: 120 });
    expect(await w.sqs.depth(w.queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
  });

  it('a poison message (unknown user) is dead-lettered with its reason on its last receive; the others are done', async () => {
    const w = await queueWorld({ maxReceives: 3 });
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(5), weightKg: 80.2 });
    await w.send(
      { v: 1, kind: 'reconcile', userId: '99999999' },
      { v: 1, kind: 'manual', userId: w.userId, days: 2 },
    );
    await w.drain();
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    expect(await w.deadLetters()).toEqual([
      {
        body: '{"v":1,"kind":"reconcile","userId":"99999999"}',
        reason: 'UNKNOWN_USER',
        receives: '3',
        kind: 'reconcile',
      },
    ]);
    const retries = lines(w).filter((l) => l.event === 'lambda.work.retry');
    expect(retries.map((l) => [l.level, l.code, l.receives])).toEqual([
      ['warn', 'UNKNOWN_USER', 1],
      ['warn', 'UNKNOWN_USER', 2],
    ]);
    expect(lines(w).find((l) => l.event === 'lambda.work.dead-letter')).toMatchObject({
      level: 'error',
      code: 'UNKNOWN_USER',
      userId: '99999999',
      moved: true,
    });
  });

  it('a record that is no work message is dead-lettered at once (retrying cannot help), INVALID_WORK_MESSAGE', async () => {
    const w = await queueWorld();
    await w.sqs.client().send(
      new (await import('@aws-sdk/client-sqs')).SendMessageCommand({
        QueueUrl: w.queueUrl,
        MessageBody: '{"v":2}',
      }),
    );
    expect(await w.poll()).toEqual({ delivered: 1, failed: 0, crashed: false });
    expect(await w.deadLetters()).toEqual([
      { body: '{"v":2}', reason: 'INVALID_WORK_MESSAGE', receives: '1', kind: 'unknown' },
    ]);
  });

  it('a batch that crashes mid-message comes back whole, and its redelivery uploads nothing twice', async () => {
    const w = await queueWorld({ visibilityTimeoutSeconds: 1 });
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(5), weightKg: 80.2 });
    await w.send({ v: 1, kind: 'manual', userId: w.userId, days: 2 });
    // The invocation dies after the upload, before it answers: Lambda deletes nothing.
    const { sqsEventSource } = await import('@wg-sync/test-support/local-sqs');
    const dying = sqsEventSource({
      client: w.client,
      queueUrl: w.queueUrl,
      handler: async (event) => {
        await w.handler(event, roomyContext());
        throw new Error('Task timed out after 180.00 seconds');
      },
    });
    expect(await dying.poll()).toMatchObject({ delivered: 1, crashed: true });
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    await w.drain();
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    expect(await w.deadLetters()).toEqual([]);
  });

  it('backs a failed record off with ChangeMessageVisibility instead of the queue’s 18 minutes', async () => {
    const w = await queueWorld({ queue: { retryBaseSeconds: 1 } });
    await w.send({ v: 1, kind: 'reconcile', userId: '99999999' });
    expect(await w.poll()).toMatchObject({ delivered: 1, failed: 1 });
    expect(await w.sqs.depth(w.queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });
    expect(await receive(w.client, w.queueUrl)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const [again] = await receive(w.client, w.queueUrl);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('without a dead-letter queue URL the last receive stays a failure for SQS to redrive, its reason logged at error', async () => {
    const w = await queueWorld({ maxReceives: 2, queue: { deadLetterQueueUrl: undefined } });
    await w.send({ v: 1, kind: 'reconcile', userId: '99999999' });
    await w.drain();
    // SQS moved it itself (no reason attribute); the log line has the reason.
    expect(await w.deadLetters()).toEqual([expect.objectContaining({ reason: undefined })]);
    expect(lines(w).find((l) => l.event === 'lambda.work.dead-letter')).toMatchObject({
      level: 'error',
      code: 'UNKNOWN_USER',
      moved: false,
    });
  });

  it('puts back a record there is no time left for, and on its last receive queues it anew', async () => {
    const w = await queueWorld({ maxReceives: 2 });
    await w.send({ v: 1, kind: 'manual', userId: w.userId, days: 1 });
    const short = roomyContext(5_000);
    const { receive: take } = await import('@wg-sync/test-support/local-sqs');
    const [message] = await take(w.client, w.queueUrl);
    const record = (receives: string) => ({
      messageId: message?.MessageId as string,
      receiptHandle: message?.ReceiptHandle as string,
      body: message?.Body as string,
      attributes: { ApproximateReceiveCount: receives },
      eventSource: 'aws:sqs' as const,
      eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${w.queueUrl.split('/').pop()}`,
    });
    expect(await w.handler({ Records: [record('1')] }, short)).toEqual({
      batchItemFailures: [{ itemIdentifier: message?.MessageId }],
    });
    expect(await w.handler({ Records: [record('2')] }, short)).toEqual({ batchItemFailures: [] });
    // The original, handed back, plus its fresh copy. local-aws-sqs applies a visibility of 0 with a
    // timer, which a loaded machine may run after the next request: wait for it (bounded).
    const settled = async () => (await w.sqs.depth(w.queueUrl)).visible >= 2;
    await until(settled, 2000).catch(() => undefined);
    expect(await w.sqs.depth(w.queueUrl)).toMatchObject({ visible: 2 });
    expect(lines(w).filter((l) => l.event === 'lambda.work.not-started')).toHaveLength(2);
  });
});
