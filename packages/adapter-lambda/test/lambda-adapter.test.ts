import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { createSync, memoryStore, type Sync } from '@wg-sync/core';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { signAsyncNotification } from '../src/async/async-notification.js';
import { asyncSigningKey } from '../src/async/async-signing-key.js';
import { DEFERRED_SYNC_RESERVE_SECONDS } from '../src/async/run-async-notification.js';
import { dynamoStore } from '../src/dynamo-store.js';
import { LambdaAdapterError, UnknownEventError } from '../src/errors.js';
import { lambdaAdapter } from '../src/lambda-adapter.js';
import type { ApiGatewayV1Result, LambdaAdapterResult, LambdaEventResult } from '../src/lambda-events.js';
import {
  API_TOKEN,
  asyncAdapter,
  collectLogs,
  fixture,
  lambdaContext,
  minutesAgo,
  notificationBody,
  WEBHOOK_SECRET,
  type World,
  world,
} from './harness.js';
import { mockedLambda, OFFLINE_AWS, payloadOf } from './helpers.js';

const { client: lambdaClient, mock: lambdaMock, invokes, onlyQueued } = mockedLambda();

const queuedAnswer = () => lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
const bodyOf = (result: LambdaAdapterResult) => {
  const http = result as ApiGatewayV1Result;
  return JSON.parse(http.isBase64Encoded ? Buffer.from(http.body, 'base64').toString() : http.body);
};
const asEvent = (result: LambdaAdapterResult) => result as LambdaEventResult;

/** A webhook event of the given shape carrying a notification for a weigh-in the simulator holds. */
async function weighInEvent(w: World, shape: string) {
  const takenAt = minutesAgo(5);
  w.withings.addWeighIn(w.userId, { takenAt, weightKg: 81.4, fatPercent: 21.2 });
  const event = fixture<{ body: string; isBase64Encoded: boolean }>(shape);
  const body = notificationBody(w.userId, takenAt);
  event.body = event.isBase64Encoded ? Buffer.from(body).toString('base64') : body;
  return event;
}

function expectNoSecrets(w: World, ...things: unknown[]) {
  const text = JSON.stringify(things) + w.logs.join('\n');
  for (const secret of w.secrets()) expect(text).not.toContain(secret);
}

describe('lambdaAdapter, async-invoke (the default)', { timeout: 30_000 }, () => {
  it.each(['api-gateway-v1-webhook-post', 'api-gateway-v2-webhook-post', 'function-url-webhook-post'])(
    '%s: answers 200 accepted with no upstream call, queues one signed event that performs the sync',
    async (shape) => {
      const w = await world();
      queuedAnswer();
      const handler = asyncAdapter(w, lambdaClient);
      const event = await weighInEvent(w, shape);
      const before = w.upstreamCalls();

      const answer = await handler(event, lambdaContext());
      expect(answer).toMatchObject({ statusCode: 200, isBase64Encoded: false });
      expect(bodyOf(answer)).toEqual({ status: 'accepted' });
      expect(w.upstreamCalls()).toBe(before);
      expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(0);
      expect(await w.store.get(`pending/${w.userId}`)).toBeDefined();

      const { invoke, queued } = onlyQueued('notification/v1');

      // Lambda later delivers the queued payload to the same function.
      const ran = asEvent(await handler(queued, lambdaContext()));
      expect(ran).toMatchObject({ kind: 'notification', status: 'synced' });
      if (ran.kind !== 'notification' || ran.status !== 'synced') throw new Error('not synced');
      expect(ran.report.synced).toHaveLength(1);
      expect(ran.report.failed).toEqual([]);
      const stored = w.garmin.weighIns(w.garminEmail);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.weight).toBeCloseTo(81_400, -2);
      expect(stored[0]?.bodyFat).toBeCloseTo(21.2, 1);
      expect(await w.store.get(`pending/${w.userId}`)).toBeUndefined();
      expect(invokes()).toHaveLength(1);
      expectNoSecrets(w, answer, invoke, ran);
    },
  );

  it('a queued sync that fails is an error line (the ErrorLogAlarm), not a quiet info; the notification stays pending', async () => {
    const w = await world();
    queuedAnswer();
    const handler = asyncAdapter(w, lambdaClient);
    await handler(await weighInEvent(w, 'api-gateway-v1-webhook-post'), lambdaContext());
    const queued = payloadOf(invokes()[0]);
    w.garmin.faults.add('server-error', 10, /weight\/range/); // Garmin cannot be read: nothing uploads
    const ran = asEvent(await handler(queued, lambdaContext()));
    expect(ran).toMatchObject({
      kind: 'notification',
      status: 'synced',
      report: { failed: [{ code: 'UPSTREAM' }] },
    });
    const lines = w.logs.map((l) => JSON.parse(l) as { level: string; event: string; failures?: string[] });
    expect(lines.filter((l) => l.event === 'lambda.async.failed')).toMatchObject([
      { level: 'error', failures: ['UPSTREAM'] },
    ]);
    expect(lines.some((l) => l.event === 'lambda.async.synced')).toBe(false);
    expect(await w.store.get(`pending/${w.userId}`)).toBeDefined();
    expectNoSecrets(w, ran);
  });

  it('refuses forged, tampered, foreign, expired and malformed async events: logged, nothing synced', async () => {
    const w = await world();
    queuedAnswer();
    const now = new Date();
    const handler = asyncAdapter(w, lambdaClient);
    await handler(await weighInEvent(w, 'api-gateway-v1-webhook-post'), lambdaContext());
    const genuine = payloadOf(invokes()[0]);
    const before = w.upstreamCalls();
    const notification = {
      userId: w.userId,
      appli: 1,
      startDate: minutesAgo(10),
      endDate: minutesAgo(1),
    };
    const signed = (key: Buffer, functionName: string, at: Date) =>
      signAsyncNotification(notification, { key, functionName, now: at });
    const ownKey = asyncSigningKey(w.withings.clientSecret);
    // A closing sync signed for a minute from now, edited to run at once.
    const movedNotBefore = (key: Buffer, at: Date) => {
      const event = signAsyncNotification(notification, {
        key,
        functionName: 'wg-sync-test-sync',
        now: at,
        notBefore: new Date(at.getTime() + 60_000),
      });
      const payload = JSON.parse(event.payload);
      return { ...event, payload: JSON.stringify({ ...payload, nbf: at.getTime() }) };
    };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['unsigned', { ...genuine, signature: '' }, 'BAD_SIGNATURE'],
      [
        'signature of another payload',
        { ...genuine, signature: signed(ownKey, 'x', now).signature },
        'BAD_SIGNATURE',
      ],
      [
        'tampered user',
        { ...genuine, payload: String(genuine.payload).replace(`"userId":"${w.userId}"`, '"userId":"999"') },
        'BAD_SIGNATURE',
      ],
      [
        'another key',
        { ...signed(asyncSigningKey('not-the-client-secret'), 'wg-sync-test-sync', now) },
        'BAD_SIGNATURE',
      ],
      [
        'the raw client secret as key',
        { ...signed(Buffer.from(w.withings.clientSecret), 'wg-sync-test-sync', now) },
        'BAD_SIGNATURE',
      ],
      ['another function', { ...signed(ownKey, 'wg-sync-staging-sync', now) }, 'WRONG_FUNCTION'],
      ['moved notBefore', movedNotBefore(ownKey, now), 'BAD_SIGNATURE'],
      [
        'expired',
        { ...signed(ownKey, 'wg-sync-test-sync', new Date(now.getTime() - 2 * 3600_000)) },
        'EXPIRED',
      ],
      [
        'from the future',
        { ...signed(ownKey, 'wg-sync-test-sync', new Date(now.getTime() + 3600_000)) },
        'EXPIRED',
      ],
      ['marker only', { 'wg-sync': 'notification/v1' }, 'MALFORMED'],
      ['unknown version', { ...genuine, 'wg-sync': 'notification/v0' }, 'MALFORMED'],
    ];
    for (const [name, event, reason] of cases) {
      const result = await handler(event, lambdaContext());
      expect(result, name).toEqual({ kind: 'notification', status: 'rejected', reason });
    }
    const rejected = w.logs
      .map((line) => JSON.parse(line))
      .filter((l) => l.event === 'lambda.async.rejected');
    expect(rejected.map((l) => [l.level, l.reason])).toEqual(cases.map(([, , reason]) => ['error', reason]));
    expect(w.upstreamCalls()).toBe(before);
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(0);
    expect(invokes()).toHaveLength(1);
    expectNoSecrets(w);

    // The genuine one still works after all that.
    expect(await handler(genuine, lambdaContext())).toMatchObject({ status: 'synced' });
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
  });

  it('answers 500 when the event cannot be queued; the notification stays pending for reconcile', async () => {
    const w = await world();
    lambdaMock.on(InvokeCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), {
        name: 'AccessDeniedException',
      }),
    );
    const handler = asyncAdapter(w, lambdaClient);
    const before = w.upstreamCalls();
    const answer = await handler(await weighInEvent(w, 'api-gateway-v2-webhook-post'), lambdaContext());
    expect(answer).toMatchObject({ statusCode: 500 });
    // A stranger learns nothing about roles or functions: a generic code and a request id; the log has the rest.
    expect(bodyOf(answer).error).toEqual({
      code: 'INTERNAL',
      message: 'internal error',
      requestId: expect.any(String),
    });
    const logged = w.logs.find((l) => l.includes(bodyOf(answer).error.requestId)) ?? '';
    expect(logged).toContain('SELF_INVOKE_FAILED');
    expect(logged).toMatch(/AccessDeniedException.*lambda:InvokeFunction itself/);
    expect(await w.store.get(`pending/${w.userId}`)).toBeDefined();
    expect(w.upstreamCalls()).toBe(before);

    const reconciled = asEvent(await handler(fixture('eventbridge-scheduled-event'), lambdaContext()));
    expect(reconciled.kind).toBe('reconcile');
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    expect(await w.store.get(`pending/${w.userId}`)).toBeUndefined();
  });

  it('needs a signing secret', () => {
    vi.stubEnv('WITHINGS_CLIENT_SECRET', undefined);
    try {
      const create = () => lambdaAdapter({} as never);
      expect(create).toThrow(LambdaAdapterError);
      expect(create).toThrow(/signingSecret/);
      expect(() => lambdaAdapter({} as never, { processing: 'inline' })).not.toThrow();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('lambdaAdapter, the other events', { timeout: 30_000 }, () => {
  it('inline: the webhook syncs in the same invocation, nothing is queued', async () => {
    const w = await world();
    const handler = lambdaAdapter(w.sync, { processing: 'inline', lambdaClient, logger: w.config.logger });
    const answer = await handler(await weighInEvent(w, 'api-gateway-v2-webhook-post'), lambdaContext());
    expect(answer).toMatchObject({ statusCode: 200 });
    // The engine answers `accepted` (handed to waitUntil); the adapter returns only once that work is done.
    expect(bodyOf(answer)).toEqual({ status: 'accepted' });
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    expect(invokes()).toHaveLength(0);
    expectNoSecrets(w, answer);
  });

  it('a scheduled event runs reconcile for every account', async () => {
    const w = await world();
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(30), weightKg: 79.9 });
    const handler = lambdaAdapter(w.sync, { processing: 'inline', logger: w.config.logger });
    const result = asEvent(await handler(fixture('eventbridge-scheduled-event'), lambdaContext()));
    if (result.kind !== 'reconcile') throw new Error(`expected reconcile, got ${result.kind}`);
    expect(result.report.accounts.map((a) => [a.userId, a.report?.synced.length])).toEqual([[w.userId, 1]]);
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    expect(w.logs.some((l) => l.includes('"lambda.schedule"'))).toBe(true);
  });

  it('serves the secret webhook path (HEAD for Withings’ check) and the bearer routes', async () => {
    const w = await world({ webhookSecret: WEBHOOK_SECRET });
    const handler = lambdaAdapter(w.sync, { processing: 'inline', logger: w.config.logger });
    const head = await handler(fixture('api-gateway-v1-webhook-head'), lambdaContext());
    expect(head).toEqual({
      statusCode: 200,
      headers: {},
      multiValueHeaders: {},
      body: '',
      isBase64Encoded: false,
    });
    const open = fixture<{ path: string }>('api-gateway-v1-webhook-head');
    open.path = '/webhook/withings/wrong-secret-0123456789';
    expect(await handler(open, lambdaContext())).toMatchObject({ statusCode: 404 });

    const status = await handler(fixture('api-gateway-v1-status-get'), lambdaContext());
    expect(status).toMatchObject({ statusCode: 200 });
    expect(bodyOf(status).accounts.map((a: { userId: string }) => a.userId)).toEqual([w.userId]);
    const manual = await handler(fixture('api-gateway-v2-manual-sync'), lambdaContext());
    expect(manual).toMatchObject({ statusCode: 200 });
    expect(bodyOf(manual).reports).toHaveLength(1);
    const denied = fixture<{ headers: Record<string, string> }>('api-gateway-v2-manual-sync');
    denied.headers.authorization = 'Bearer wrong-token-0123456789';
    expect(await handler(denied, lambdaContext())).toMatchObject({ statusCode: 401 });
    expectNoSecrets(w, head, status, manual);
  });

  it('refuses an unknown event with a typed error that names its keys, never its values', async () => {
    const w = await world();
    const handler = lambdaAdapter(w.sync, { processing: 'inline', logger: w.config.logger });
    const error = await handler({ Records: [{ body: 'value-that-must-not-appear' }] }, lambdaContext()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnknownEventError);
    expect(error).toMatchObject({ code: 'UNKNOWN_EVENT', keys: ['Records'] });
    expect(String((error as Error).message)).not.toContain('value-that-must-not-appear');
    await expect(handler('just a string', lambdaContext())).rejects.toBeInstanceOf(UnknownEventError);
    await expect(handler(null, lambdaContext())).rejects.toBeInstanceOf(UnknownEventError);
  });

  it('names what an event that is no object is: null, an array, a string… (typeof says "object" for two)', async () => {
    const w = await world();
    const handler = lambdaAdapter(w.sync, { processing: 'inline', logger: w.config.logger });
    const cases: Array<[unknown, string, string]> = [
      [null, 'null', 'the event is null, not an object'],
      [[{ Records: [] }], 'array', 'the event is an array, not an object'],
      ['just a string', 'string', 'the event is a string, not an object'],
      [42, 'number', 'the event is a number, not an object'],
      [true, 'boolean', 'the event is a boolean, not an object'],
      [undefined, 'undefined', 'the event is undefined, not an object'],
    ];
    for (const [event, eventType, says] of cases) {
      const error = (await handler(event, lambdaContext()).catch((e: unknown) => e)) as UnknownEventError;
      expect(error, eventType).toBeInstanceOf(UnknownEventError);
      expect(error, eventType).toMatchObject({ code: 'UNKNOWN_EVENT', eventType, keys: [] });
      expect(error.message, eventType).toContain(says);
      expect(error.message, eventType).not.toContain('top-level keys');
    }
    const object = (await handler({ Records: [] }, lambdaContext()).catch(
      (e: unknown) => e,
    )) as UnknownEventError;
    expect(object).toMatchObject({ eventType: 'object', keys: ['Records'] });
    expect(object.message).toContain('(top-level keys: Records)');
  });
});

/** A context with `ms` left in the invocation. */
const contextWith = (ms: number) => ({ ...lambdaContext(), getRemainingTimeInMillis: () => ms });

/** `sync` with a clock on `syncNotification`: when each sync started. */
function timedSync(sync: Sync): { sync: Sync; starts: number[] } {
  const starts: number[] = [];
  return {
    starts,
    sync: {
      ...sync,
      syncNotification(notification) {
        starts.push(Date.now());
        return sync.syncNotification(notification);
      },
    },
  };
}

describe('lambdaAdapter, debounced webhooks through the async self-invoke', { timeout: 30_000 }, () => {
  it("queues the window's first sync at once and its closing sync with a signed notBefore at the window's end", async () => {
    const w = await world();
    queuedAnswer();
    const handler = asyncAdapter(w, lambdaClient);
    const before = Date.now();
    await handler(await weighInEvent(w, 'api-gateway-v1-webhook-post'), lambdaContext());
    const after = Date.now();
    await handler(await weighInEvent(w, 'api-gateway-v2-webhook-post'), lambdaContext());
    await handler(await weighInEvent(w, 'api-gateway-v1-webhook-post'), lambdaContext());

    // The third one is only recorded as pending: one of the two queued syncs drains it.
    expect(invokes()).toHaveLength(2);
    const [first, closing] = invokes().map((input) => JSON.parse(String(payloadOf(input).payload)));
    expect(first).not.toHaveProperty('nbf');
    expect(closing.nbf).toBeGreaterThanOrEqual(before + 60_000);
    expect(closing.nbf).toBeLessThanOrEqual(after + 60_000);
  });

  it('a queued closing sync whose notBefore is 300 ms ahead starts no earlier than that', async () => {
    const w = await world();
    const timed = timedSync(w.sync);
    const handler = asyncAdapter(w, lambdaClient, timed.sync);
    const notBefore = new Date(Date.now() + 300);
    const event = signAsyncNotification(
      { userId: w.userId, appli: 1, startDate: minutesAgo(10), endDate: minutesAgo(1) },
      {
        key: asyncSigningKey(w.withings.clientSecret),
        functionName: 'wg-sync-test-sync',
        now: new Date(),
        notBefore,
      },
    );
    const ran = await handler(event, contextWith(180_000));
    expect(ran).toMatchObject({ kind: 'notification', status: 'synced' });
    expect(timed.starts).toHaveLength(1);
    expect(timed.starts[0]).toBeGreaterThanOrEqual(notBefore.getTime());
  });

  it("runs at once when waiting would eat the time its sync needs (never past the invocation's end)", async () => {
    const w = await world();
    const timed = timedSync(w.sync);
    const handler = asyncAdapter(w, lambdaClient, timed.sync);
    const sent = Date.now();
    const event = signAsyncNotification(
      { userId: w.userId, appli: 1, startDate: minutesAgo(10), endDate: minutesAgo(1) },
      {
        key: asyncSigningKey(w.withings.clientSecret),
        functionName: 'wg-sync-test-sync',
        now: new Date(),
        notBefore: new Date(sent + 300),
      },
    );
    // 100 ms beyond what the sync keeps for itself: not enough for a 300 ms wait.
    const ran = await handler(event, contextWith(DEFERRED_SYNC_RESERVE_SECONDS * 1000 + 100));
    expect(ran).toMatchObject({ kind: 'notification', status: 'synced' });
    expect((timed.starts[0] as number) - sent).toBeLessThan(250);
    const early = w.logs.map((line) => JSON.parse(line)).find((l) => l.event === 'lambda.async.early');
    expect(early).toMatchObject({ level: 'warn', userId: w.userId });
    expect(early.message).toMatch(/timeout/);
  });
});

describe('lambdaAdapter, what an anonymous caller learns', { timeout: 30_000 }, () => {
  const TABLE = 'wg-sync-prod-StateTable-1ABCDEFGHIJK';
  const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:123456789012:table/${TABLE}`;

  it.each([
    ['api-gateway-v1-webhook-post', 'path', `/webhook/withings/${WEBHOOK_SECRET}`],
    ['api-gateway-v2-webhook-post', 'rawPath', `/prod/webhook/withings/${WEBHOOK_SECRET}`],
  ])(
    '%s: a store failure is a generic 500; the detail is logged under the same request id',
    async (shape, field, path) => {
      const dynamo = new DynamoDBClient(OFFLINE_AWS);
      const ddb = mockClient(dynamo);
      ddb.on(GetItemCommand).rejects(
        Object.assign(new Error(`Requested resource not found: Table: ${TABLE_ARN} not found`), {
          name: 'ResourceNotFoundException',
        }),
      );
      const { logger, lines } = collectLogs();
      const sync = createSync({
        withings: { clientId: 'client-id', clientSecret: 'client-secret-0123456789abcdef' },
        store: dynamoStore({ tableName: TABLE, client: dynamo }),
        webhookSecret: WEBHOOK_SECRET,
        logger,
      });
      const handler = lambdaAdapter(sync, {
        lambdaClient,
        signingSecret: 'client-secret-0123456789abcdef',
        logger,
      });
      const event = fixture<Record<string, unknown>>(shape);
      event[field] = path;
      const context = lambdaContext();

      const answer = (await handler(event, context)) as ApiGatewayV1Result;
      expect(answer.statusCode).toBe(500);
      expect(bodyOf(answer)).toEqual({
        error: { code: 'INTERNAL', message: 'internal error', requestId: context.awsRequestId },
      });
      expect(answer.headers['x-request-id']).toBe(context.awsRequestId);
      const shown = JSON.stringify(answer);
      for (const detail of ['arn:', '123456789012', TABLE, 'dynamodb', 'ResourceNotFound'])
        expect(shown).not.toContain(detail);
      const logged = lines.filter((l) => l.includes(context.awsRequestId as string));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain(TABLE_ARN);
      expect(JSON.parse(logged[0] as string)).toMatchObject({ level: 'error', event: 'handler.failed' });
      ddb.restore();
    },
  );

  it('passes the sourceIp to the throttle: 11 wrong bearer attempts from one address → 429, another still 401', async () => {
    const { logger, lines } = collectLogs();
    const sync = createSync({
      withings: { clientId: 'client-id', clientSecret: 'client-secret-0123456789abcdef' },
      store: memoryStore(),
      apiToken: API_TOKEN,
      logger,
    });
    const handler = lambdaAdapter(sync, { processing: 'inline', logger });
    const rest = (ip: string) => {
      const event = fixture<{
        headers: Record<string, string>;
        multiValueHeaders: Record<string, string[]>;
        requestContext: { identity: { sourceIp: string } };
      }>('api-gateway-v1-status-get');
      event.headers.Authorization = 'Bearer wrong-token-0123456789';
      event.multiValueHeaders.Authorization = ['Bearer wrong-token-0123456789'];
      event.requestContext.identity.sourceIp = ip;
      return event;
    };
    const httpApi = (ip: string) => {
      const event = fixture<{
        headers: Record<string, string>;
        requestContext: { http: { sourceIp: string } };
      }>('api-gateway-v2-manual-sync');
      event.headers.authorization = 'Bearer wrong-token-0123456789';
      event.requestContext.http.sourceIp = ip;
      return event;
    };
    const status = async (event: unknown) =>
      ((await handler(event, lambdaContext())) as ApiGatewayV1Result).statusCode;

    for (let attempt = 1; attempt <= 10; attempt += 1) expect(await status(rest('198.51.100.7'))).toBe(401);
    expect(await status(rest('198.51.100.7'))).toBe(429);
    expect(await status(httpApi('198.51.100.7'))).toBe(429);
    expect(await status(rest('198.51.100.8'))).toBe(401);
    expect(await status(httpApi('203.0.113.9'))).toBe(401);
    const sources = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'auth.failed')
      .map((l) => l.source);
    expect(new Set(sources)).toEqual(new Set(['198.51.100.7', '198.51.100.8', '203.0.113.9']));
  });

  it('an event that cannot become a Request is a generic 400 with the request id, not a crash', async () => {
    const w = await world();
    const handler = lambdaAdapter(w.sync, { processing: 'inline', logger: w.config.logger });
    for (const method of ['TRACE', 'GE T']) {
      const event = fixture<{ requestContext: { http: { method: string } } }>('api-gateway-v2-manual-sync');
      event.requestContext.http.method = method;
      const context = lambdaContext();
      const answer = (await handler(event, context)) as ApiGatewayV1Result;
      expect(answer.statusCode).toBe(400);
      expect(bodyOf(answer)).toEqual({
        error: { code: 'BAD_REQUEST', message: 'malformed request', requestId: context.awsRequestId },
      });
    }
    expect(w.logs.filter((l) => l.includes('"lambda.request.malformed"'))).toHaveLength(2);
  });
});
