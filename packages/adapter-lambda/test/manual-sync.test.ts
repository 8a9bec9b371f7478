import { InvokeCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { signAsyncNotification } from '../src/async/async-notification.js';
import { asyncSigningKey } from '../src/async/async-signing-key.js';
import { signManualSync } from '../src/async/queued-manual-sync.js';
import { lambdaAdapter } from '../src/lambda-adapter.js';
import type { ApiGatewayV1Result, LambdaAdapterResult, LambdaEventResult } from '../src/lambda-events.js';
import {
  API_TOKEN,
  asyncAdapter,
  fixture,
  lambdaContext,
  minutesAgo,
  WEBHOOK_SECRET,
  type World,
  world,
} from './harness.js';
import { mockedLambda } from './helpers.js';

const { client: lambdaClient, mock: lambdaMock, invokes, onlyQueued } = mockedLambda();

const PUBLIC_URL = 'https://sync.example.com/wg';
const http = (result: LambdaAdapterResult) => result as ApiGatewayV1Result;
const asEvent = (result: LambdaAdapterResult) => result as LambdaEventResult;

/** `POST /sync/manual?…` as a REST API (v1) event from the template's API. */
function manualSync(query: string, token: string | null = API_TOKEN) {
  const event = fixture<Record<string, unknown>>('api-gateway-v1-status-get');
  const headers = {
    Host: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  };
  const params = Object.fromEntries(new URLSearchParams(query));
  return {
    ...event,
    httpMethod: 'POST',
    path: '/sync/manual',
    resource: '/sync/manual',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: params,
    multiValueQueryStringParameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])),
  };
}

async function slowWorld(latencyMs: number): Promise<World> {
  const w = await world({ publicUrl: PUBLIC_URL, webhookSecret: WEBHOOK_SECRET });
  w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(30), weightKg: 79.3 });
  // Every Garmin answer takes this long: a sync (range read, upload, read-back) takes several.
  w.garmin.latencyMs = latencyMs;
  return w;
}

describe('POST /sync/manual on Lambda, async-invoke (the default)', { timeout: 30_000 }, () => {
  it('answers 202 with where the result shows at once, and the queued event runs the sync', async () => {
    const w = await slowWorld(400);
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
    const handler = asyncAdapter(w, lambdaClient);
    const before = w.upstreamCalls();
    const started = performance.now();
    const answer = http(await handler(manualSync(`days=3&userId=${w.userId}`), lambdaContext()));
    const answeredMs = performance.now() - started;

    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({
      status: 'queued',
      days: 3,
      userId: w.userId,
      statusUrl: `${PUBLIC_URL}/status`,
    });
    // Not one upstream call, so no Garmin latency: the answer never waits for the sync.
    expect(w.upstreamCalls()).toBe(before);
    expect(answeredMs).toBeLessThan(400);
    const { queued } = onlyQueued('manual/v1');
    expect(JSON.stringify(queued)).not.toContain(API_TOKEN);

    // Lambda later delivers it to the same function, which runs the slow sync there.
    const ranStarted = performance.now();
    const ran = asEvent(await handler(queued, lambdaContext()));
    expect(performance.now() - ranStarted).toBeGreaterThan(3 * 400);
    expect(ran).toMatchObject({ kind: 'manual-sync', status: 'synced' });
    if (ran.kind !== 'manual-sync' || ran.status !== 'synced') throw new Error('not synced');
    expect(ran.reports).toHaveLength(1);
    expect(ran.reports[0]).toMatchObject({ userId: w.userId, trigger: 'recent', failed: [] });
    expect(ran.reports[0]?.synced).toHaveLength(1);
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);
    const lines = w.logs.map((l) => JSON.parse(l) as { level: string; event: string });
    expect(lines.filter((l) => l.event === 'lambda.manual.synced')).toMatchObject([{ level: 'info' }]);

    // Where the 202 pointed: the account's last sync.
    const status = http(
      await handler(
        { ...manualSync(''), httpMethod: 'GET', path: '/status', resource: '/status' },
        lambdaContext(),
      ),
    );
    expect(status.statusCode).toBe(200);
    expect(JSON.parse(status.body).accounts[0].lastSuccessAt).toEqual(expect.any(String));
  });

  it('refuses as core does (401, 400) and queues nothing; an outage while queueing is a 500 that says why', async () => {
    const w = await slowWorld(0);
    const handler = asyncAdapter(w, lambdaClient);
    expect(
      http(await handler(manualSync('days=3', 'wrong-token-0123456789'), lambdaContext())).statusCode,
    ).toBe(401);
    expect(http(await handler(manualSync('days=3', null), lambdaContext())).statusCode).toBe(401);
    expect(http(await handler(manualSync('days=500'), lambdaContext())).statusCode).toBe(400);
    expect(http(await handler(manualSync('userId=abc'), lambdaContext())).statusCode).toBe(400);
    expect(invokes()).toHaveLength(0);

    lambdaMock.on(InvokeCommand).rejects(new Error('AccessDeniedException: not authorized'));
    const failed = http(await handler(manualSync('days=3'), lambdaContext()));
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body).error.code).toBe('SELF_INVOKE_FAILED');
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(0);
  });

  it('a queued manual sync that fails is an error line; forged or relabelled events sync nothing', async () => {
    const w = await slowWorld(0);
    const handler = asyncAdapter(w, lambdaClient);
    const key = asyncSigningKey(w.withings.clientSecret);
    const now = new Date();
    const genuine = signManualSync({ days: 2 }, { key, functionName: 'wg-sync-test-sync', now });
    const forged = signManualSync(
      { days: 2 },
      { key: asyncSigningKey('another-secret'), functionName: 'wg-sync-test-sync', now },
    );
    const foreign = signManualSync({ days: 2 }, { key, functionName: 'someone-else', now });
    // A genuine notification event relabelled as a manual sync: the signature holds, the shape does not.
    const relabelled = {
      ...signAsyncNotification(
        { userId: w.userId, appli: 1, startDate: minutesAgo(40), endDate: minutesAgo(20) },
        { key, functionName: 'wg-sync-test-sync', now },
      ),
      'wg-sync': 'manual/v1',
    };
    const before = w.upstreamCalls();
    for (const [event, reason] of [
      [forged, 'BAD_SIGNATURE'],
      [foreign, 'WRONG_FUNCTION'],
      [relabelled, 'MALFORMED'],
    ] as const) {
      expect(await handler(event, lambdaContext()), reason).toEqual({
        kind: 'manual-sync',
        status: 'rejected',
        reason,
      });
    }
    expect(w.upstreamCalls()).toBe(before);

    w.garmin.faults.add('server-error', 10, /weight\/range/);
    const ran = asEvent(await handler(genuine, lambdaContext()));
    expect(ran).toMatchObject({
      kind: 'manual-sync',
      status: 'synced',
      reports: [{ failed: [{ code: 'UPSTREAM' }] }],
    });
    const lines = w.logs.map((l) => JSON.parse(l) as { level: string; event: string; failures?: string[] });
    expect(lines.filter((l) => l.event === 'lambda.manual.failed')).toMatchObject([
      { level: 'error', failures: ['UPSTREAM'] },
    ]);
    expect(lines.filter((l) => l.event === 'lambda.async.rejected')).toHaveLength(3);
  });
});

describe('POST /sync/manual on Lambda, inline', { timeout: 30_000 }, () => {
  it('runs while the caller waits and answers the reports (no queue without self-invoke)', async () => {
    const w = await slowWorld(0);
    const handler = lambdaAdapter(w.sync, { processing: 'inline', logger: w.config.logger });
    const answer = http(await handler(manualSync('days=3'), lambdaContext()));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).reports[0].synced).toHaveLength(1);
    expect(invokes()).toHaveLength(0);
  });
});
