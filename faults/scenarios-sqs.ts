import { type LambdaHandler, lambdaAdapter, sqsWorkQueue } from '@wg-sync/adapter-lambda';
import type { Logger, StateStore, SyncConfig, WorkMessage } from '@wg-sync/core';
import { collectLogs } from '@wg-sync/test-support';
import {
  deadLetters,
  type EventSource,
  type LocalSqs,
  lambdaContext,
  sqsEventSource,
  startLocalSqs,
} from '@wg-sync/test-support/local-sqs';
import type { Scenario } from './scenarios.js';
import { poisonPeople, webhookMessage } from './scenarios-queue.js';
import type { World } from './world.js';

type SqsClient = ReturnType<LocalSqs['client']>;

/** How long a lease a dying Lambda takes outlives it (the default is 120 s). */
const DEAD_LEASE_SECONDS = 2;

/** When a {@link mortal} Lambda dies. */
type Death = 'after-first-upload' | 'before-answer';

/**
 * The reference deployment's queue path on a local SQS: the work queue and its dead-letter queue
 * (`maxReceiveCount` = the adapter's `maxReceives`), the engines sending to it, and Lambda's event
 * source handing batches to containers (each one an engine over the world's store and the adapter
 * in queue mode). Every record handed to any container is kept, by body.
 */
async function sqsDeployment(
  world: World,
  options: { maxReceives: number; visibilityTimeoutSeconds: number; retryBaseSeconds: number },
) {
  const sqs = await startLocalSqs();
  world.onClose(() => sqs.close());
  const { queueUrl, deadLetterQueueUrl } = await sqs.queues({
    maxReceiveCount: options.maxReceives,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
  });
  const client = sqs.client();
  const workQueue = sqsWorkQueue({ queueUrl, client });
  const deliveries: string[] = [];
  const container = (engine: Partial<SyncConfig>, sqsClient: SqsClient, logger: Logger) =>
    lambdaAdapter(world.engine({ ...engine, queue: workQueue, logger }), {
      signingSecret: world.withings.clientSecret,
      logger,
      queue: { ...options, queueUrl, deadLetterQueueUrl, client: sqsClient, workQueue },
    });
  const source = (handler: (event: unknown) => Promise<unknown>): EventSource =>
    sqsEventSource({
      client,
      queueUrl,
      handler: (event) => {
        for (const record of (event as { Records: Array<{ body: string }> }).Records)
          deliveries.push(record.body);
        return handler(event);
      },
    });
  const healthy = container({}, client, collectLogs(world.logs).logger);
  return {
    sqs,
    workQueue,
    deliveries,
    /** Lambda's event source around a container that lives. */
    lambda: source((event) => healthy(event, lambdaContext())),
    /** Lambda's event source around a container that dies (see {@link mortal}). */
    dying(death: Death): EventSource {
      const process = mortal(world, sqs, death);
      const handler = container(process.config, process.client, process.logger);
      return source((event) => process.invoke(handler, event));
    },
    send: (...messages: WorkMessage[]) => workQueue.send(messages.map((message) => ({ message }))),
    deadLetters: () => deadLetters(client, deadLetterQueueUrl),
  };
}

/**
 * A Lambda container that dies: after the first Garmin upload it answered (the weigh-in is in
 * Garmin, the ledger not written) or once its handler has answered (every record done, nothing
 * acknowledged). Like a killed process, from then on it does nothing more: every store call, HTTP
 * call, SQS call and log line it still tries fails or goes nowhere; its leases stay behind (taken
 * for {@link DEAD_LEASE_SECONDS}); and the invocation never answers, so Lambda deletes nothing.
 */
function mortal(world: World, sqs: LocalSqs, death: Death) {
  let dead = false;
  let die = () => {};
  const died = new Promise<never>((_, reject) => {
    die = () => {
      dead = true;
      reject(new Error('Task timed out after 180.00 seconds'));
    };
  });
  died.catch(() => undefined);
  const live = async () => {
    if (dead) throw new Error('process killed');
  };
  const base = world.store;
  const store: StateStore = {
    get: <T>(key: string) => live().then(() => base.get<T>(key)),
    put: (key, value, options) => live().then(() => base.put(key, value, options)),
    delete: (key, options) => live().then(() => base.delete(key, options)),
    list: <T>(prefix: string) => live().then(() => base.list<T>(prefix)),
    ...(base.listPage
      ? { listPage: (prefix, options) => live().then(() => base.listPage?.(prefix, options) as never) }
      : {}),
  };
  const upstream: typeof fetch = async (input, init) => {
    await live();
    const response = await fetch(input, init);
    await live();
    const url = input instanceof Request ? input.url : String(input);
    if (death === 'after-first-upload' && response.ok && url.includes('/upload-service/upload')) die();
    await live();
    return response;
  };
  const client = sqs.client();
  const send = client.send.bind(client);
  client.send = ((...args: Parameters<typeof send>) => live().then(() => send(...args))) as typeof send;
  const { logger: lines } = collectLogs(world.logs);
  const logger: Logger = {
    debug: (event, fields) => void (dead || lines.debug(event, fields)),
    info: (event, fields) => void (dead || lines.info(event, fields)),
    warn: (event, fields) => void (dead || lines.warn(event, fields)),
    error: (event, fields) => void (dead || lines.error(event, fields)),
  };
  return {
    config: { store, fetch: upstream, leaseSeconds: DEAD_LEASE_SECONDS } satisfies Partial<SyncConfig>,
    client,
    logger,
    async invoke(handler: LambdaHandler, event: unknown): Promise<unknown> {
      const answer = handler(event as Parameters<LambdaHandler>[0], lambdaContext());
      answer.catch(() => undefined); // a dead process's work ends in errors nobody reads
      if (death === 'before-answer') {
        await answer;
        die();
      }
      return Promise.race([died, answer]);
    },
  };
}

/** Good messages never end in the dead-letter queue. */
async function expectNoDeadLetter(world: World, aws: Awaited<ReturnType<typeof sqsDeployment>>) {
  world.expectSurfaced('no dead letter', (await aws.deadLetters()).length === 0);
}

/** A manual-sync message of `userId` (two days back). */
const manual = (userId: string): WorkMessage => ({ v: 1, kind: 'manual', userId, days: 2 });

/** The queue path on SQS (issue 19 §1): the reference template's queue, dead-letter queue and event source. */
export const sqsScenarios: Scenario[] = [
  {
    id: 47,
    name: 'SQS: one webhook message delivered 3 times, the first to a Lambda that dies after the Garmin upload (lease left behind)',
    async run(world) {
      const ana = world.person();
      world.weighIn(ana, { minutesAgo: 12, weightKg: 74.4 });
      world.weighIn(ana, { minutesAgo: 6, weightKg: 74.1 });
      const aws = await sqsDeployment(world, {
        maxReceives: 5,
        visibilityTimeoutSeconds: 1,
        retryBaseSeconds: 1,
      });
      const message = webhookMessage(ana.userId);
      await aws.send(message);
      const crash = await aws.dying('after-first-upload').poll();
      world.expectSurfaced(
        'the first delivery died unanswered: nothing acknowledged',
        crash.crashed && crash.delivered === 1,
      );
      world.expectSurfaced(
        'it died after an upload, leaving its lease',
        world.garmin.weighIns(ana.email).length > 0 &&
          (await world.store.get(`lock/${ana.userId}`)) !== undefined,
      );
      await aws.send(message); // SQS delivers at least once: a second copy of the same message
      await aws.lambda.drain(20_000);
      const body = aws.deliveries[0];
      world.expectSurfaced(
        'the message was delivered 3 times or more',
        aws.deliveries.filter((b) => b === body).length >= 3,
      );
      world.expectSurfaced(
        'a delivery that found the dead lease was retried (STORE_CONFLICT at warn), not dropped',
        world.logs.some(
          (l) =>
            l.includes('"event":"lambda.work.retry"') &&
            l.includes('"code":"STORE_CONFLICT"') &&
            l.includes('"level":"warn"'),
        ),
      );
      world.expectSurfaced(
        'the uploaded-but-unrecorded weigh-in was found in Garmin, not sent again',
        world.reports.some((r) => r.skipped.some((s) => s.reason === 'duplicate-garmin')),
      );
      await expectNoDeadLetter(world, aws);
    },
  },
  {
    id: 48,
    name: 'SQS: poison messages (unknown user, corrupt account) go to the DLQ with a typed reason attribute after the retries; the others are done once',
    options: { people: 3 },
    async run(world) {
      const { ana, ben, cleo, damage } = await poisonPeople(world);
      const aws = await sqsDeployment(world, {
        maxReceives: 3,
        visibilityTimeoutSeconds: 30,
        retryBaseSeconds: 0,
      });
      const good = [webhookMessage(ana.userId), manual(ben.userId)];
      const poison: WorkMessage[] = [
        { v: 1, kind: 'reconcile', userId: '99999999' },
        { v: 1, kind: 'reconcile', userId: cleo.userId },
        { v: 1, kind: 'manual', userId: '99999998', days: 3 },
      ];
      await aws.send(poison[0] as WorkMessage, ...good, ...poison.slice(1));
      await aws.lambda.drain(20_000);
      const letters = await aws.deadLetters();
      const seen = letters.map((l) => `${JSON.parse(l.body).userId}:${l.reason}:${l.receives}`).sort();
      world.expectSurfaced(
        'each poison message is in the DLQ with its reason attribute after 3 receives',
        JSON.stringify(seen) ===
          JSON.stringify(
            ['99999999:UNKNOWN_USER:3', '99999998:UNKNOWN_USER:3', `${cleo.userId}:ACCOUNT_CORRUPT:3`].sort(),
          ),
      );
      world.expectSurfaced(
        'the DLQ holds the bodies as sent, so a redrive runs them unchanged',
        letters.every((l) => poison.some((p) => JSON.stringify(p) === l.body)),
      );
      const lines = world.logs.map((l) => JSON.parse(l) as { level: string; event: string; moved?: boolean });
      world.expectSurfaced(
        'each dead letter logged at error, moved',
        lines.filter((l) => l.event === 'lambda.work.dead-letter' && l.level === 'error' && l.moved)
          .length === 3,
      );
      world.expectSurfaced(
        'each retry before it logged at warn',
        lines.filter((l) => l.event === 'lambda.work.retry' && l.level === 'warn').length === 6,
      );
      world.expectSurfaced(
        'the good messages were delivered once each',
        good.every((m) => aws.deliveries.filter((b) => b === JSON.stringify(m)).length === 1),
      );
      world.expectSurfaced('the corrupt account entry was left as it was', await damage.untouched());
    },
  },
  {
    id: 49,
    name: 'SQS: a batch of 3 accounts whose Lambda dies mid-message (after an upload), then one that dies after its work, before acknowledging',
    options: { people: 3 },
    async run(world) {
      const people = [world.person(0), world.person(1), world.person(2)];
      const aws = await sqsDeployment(world, {
        maxReceives: 5,
        visibilityTimeoutSeconds: 1,
        retryBaseSeconds: 1,
      });
      for (const [death, minutesAgo] of [
        ['after-first-upload', 20],
        ['before-answer', 10],
      ] as const) {
        for (const [i, p] of people.entries())
          world.weighIn(p, { minutesAgo: minutesAgo - i, weightKg: 60.4 + 10 * i - minutesAgo / 10 });
        await aws.send(...people.map((p) => manual(p.userId)));
        const inGarmin = () => people.reduce((n, p) => n + world.garmin.weighIns(p.email).length, 0);
        const before = inGarmin();
        const crash = await aws.dying(death).poll();
        world.expectSurfaced(
          `the Lambda died (${death}) with the batch of 3 unacknowledged`,
          crash.crashed && crash.delivered === 3,
        );
        world.expectSurfaced(
          `it died (${death}) after uploading`,
          death === 'before-answer' ? inGarmin() === before + 3 : inGarmin() > before,
        );
        await aws.lambda.drain(20_000);
      }
      world.expectSurfaced(
        'every message came back after each death (12 deliveries or more)',
        aws.deliveries.length >= 12,
      );
      await expectNoDeadLetter(world, aws);
    },
  },
];
