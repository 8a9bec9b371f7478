import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoTable, dynamoStore } from '@wg-sync/adapter-lambda';
import { createSync, silentLogger } from '@wg-sync/core';
import { garminLogin } from '@wg-sync/garmin';
import { type GarminSim, startGarminSim, startWithingsSim, type WithingsSim } from '@wg-sync/testkit';
import dynalite from 'dynalite';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type InvocationOutcome,
  type RuntimeApiEmulator,
  RuntimeApiEmulatorError,
  startRuntimeApiEmulator,
} from './runtime-api-emulator.js';

// The bundle runs the way Lambda's nodejs22.x runs it: AWS's runtime interface client (aws-lambda-ric,
// native client and all) on Node 22, in the deploy artifact's directory, driven over the Runtime API.
// Only the AWS services are local: DynamoDB is dynalite, the self-invocation goes to the emulator,
// and the credentials come from the environment instead of Secrets Manager.

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);
/** The Node 22 binary of the `node` package (what nodejs22.x runs; the test itself may run on 20). */
const NODE22 = join(dirname(require.resolve('node/package.json')), 'bin', 'node');
const RIC = join(dirname(require.resolve('aws-lambda-ric/package.json')), 'index.mjs');

// biome-ignore lint/suspicious/noExplicitAny: the parsed template is untyped JSON
const template: Record<string, any> = parse(readFileSync(join(root, 'template.yaml'), 'utf8'), {
  // CloudFormation's !Ref/!Sub tags: their values are not needed here, only the literals.
  logLevel: 'silent',
});
const fn = template.Resources.SyncFunction.Properties;
const HANDLER: string = fn.Handler;
const RUNTIME_MAJOR = /^nodejs(\d+)\.x$/.exec(fn.Runtime)?.[1];

const FUNCTION_NAME = 'wg-sync-sync';
const REGION = 'eu-west-1';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:123456789012:function:${FUNCTION_NAME}`;
const API_TOKEN = 'runtime-test-api-token-0123456789';
const WEBHOOK_SECRET = 'runtime-test-webhook-secret-0123';
const GARMIN_EMAIL = 'ana@example.com';
const GARMIN_PASSWORD = 'pw-ana-123456';
const INVOCATION_TIMEOUT_MS = 20_000;

const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // Always kill: a runtime left behind would long-poll a closed port forever.
  const exits = [...children].map((child) => exitOf(child));
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(exits);
  children.clear();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

beforeAll(() => {
  // `pnpm test` builds first; a lone `vitest run --project example-lambda` may not have.
  if (!existsSync(join(dist, 'handler.mjs')))
    execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'inherit' });
}, 120_000);

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A port nothing listens on (bound, then released): calls to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface World {
  withings: WithingsSim;
  garmin: GarminSim;
  userId: string;
  tableName: string;
  dynamoEndpoint: string;
}

/** Both simulators and a dynalite table with one linked account, all on 127.0.0.1. */
async function startWorld(): Promise<World> {
  const withings = await startWithingsSim({ delivery: { retryDelaysMs: [0, 0], dropAfterFailures: 2 } });
  const garmin = await startGarminSim({
    accounts: [{ email: GARMIN_EMAIL, password: GARMIN_PASSWORD, timeZone: 'Europe/Berlin' }],
  });
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => db.listen(0, '127.0.0.1', resolve));
  const dynamoEndpoint = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  cleanups.push(
    () => withings.close(),
    () => garmin.close(),
    () => new Promise<void>((resolve) => db.close(() => resolve())),
    async () => client.destroy(),
  );
  const tableName = `wg-sync-${randomUUID()}`;
  // dynalite has no UpdateTimeToLive; expiry is the store's own job anyway.
  await createDynamoTable({ tableName, client, timeToLive: false });
  const sync = createSync({
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls },
    store: dynamoStore({ tableName, client }),
    logger: silentLogger,
  });
  const userId = withings.addUser({ timeZone: 'Europe/Berlin' });
  const tokens = await garminLogin({ email: GARMIN_EMAIL, password: GARMIN_PASSWORD, urls: garmin.urls });
  await sync.accounts.link({ withings: withings.issueTokens(userId), garmin: tokens });
  return { withings, garmin, userId, tableName, dynamoEndpoint };
}

/**
 * The function's environment: the template's variables pointed at the world, with the secrets'
 * values inline instead of WG_SYNC_SECRET_ID/WG_SYNC_WEBHOOK_SECRET_ID. WG_SYNC_PUBLIC_URL is left
 * out: it must be https, and the reconcile's subscription check would have the Withings simulator
 * send a HEAD to it, off this machine.
 */
function functionEnv(w: World): Record<string, string> {
  const variables = fn.Environment.Variables as Record<string, unknown>;
  return {
    WG_SYNC_TABLE: w.tableName,
    WG_SYNC_PROCESSING: String(variables.WG_SYNC_PROCESSING),
    WG_SYNC_LOG_LEVEL: 'info',
    WITHINGS_CLIENT_ID: w.withings.clientId,
    WITHINGS_CLIENT_SECRET: w.withings.clientSecret,
    WG_SYNC_API_TOKEN: API_TOKEN,
    WG_SYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    WITHINGS_BASE_URL: w.withings.url,
    GARMIN_SSO_URL: w.garmin.urls.sso,
    GARMIN_DIAUTH_URL: w.garmin.urls.diauth,
    GARMIN_CONNECTAPI_URL: w.garmin.urls.connectapi,
    WG_SYNC_READBACK_DELAY_MS: '5',
    AWS_ENDPOINT_URL_DYNAMODB: w.dynamoEndpoint,
  };
}

interface Runtime {
  emulator: RuntimeApiEmulator;
  /** Queues an event and waits for its outcome; fails at once if the runtime process dies. */
  invoke(event: unknown): Promise<InvocationOutcome>;
  /** The JSON lines the function wrote to stderr (wg-sync's log), parsed. */
  logLines(): Array<Record<string, unknown>>;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts aws-lambda-ric on Node 22 like Lambda's bootstrap does: cwd and LAMBDA_TASK_ROOT the deploy
 * artifact, `_HANDLER` the template's Handler, the variables Lambda defines, then the function's own.
 */
async function startRuntime(env: Record<string, string>, handler = HANDLER): Promise<Runtime> {
  const emulator = await startRuntimeApiEmulator({
    functionArn: FUNCTION_ARN,
    timeoutMs: INVOCATION_TIMEOUT_MS,
  });
  cleanups.push(() => emulator.close());
  const nowhere = join(tmpdir(), `wg-sync-no-aws-config-${randomUUID()}`);
  const child = spawn(NODE22, [RIC], {
    cwd: dist,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      _HANDLER: handler,
      LAMBDA_TASK_ROOT: dist,
      AWS_LAMBDA_RUNTIME_API: emulator.runtimeApi,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.MemorySize),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${FUNCTION_NAME}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `2026/12/02/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'ASIALOCALTEST',
      AWS_SECRET_ACCESS_KEY: 'local-secret-access-key',
      AWS_SESSION_TOKEN: 'local-session-token',
      // Not Lambda's: keep the SDK off this machine's AWS config and metadata service, and send the
      // function's self-invocation to the emulator.
      AWS_CONFIG_FILE: nowhere,
      AWS_SHARED_CREDENTIALS_FILE: nowhere,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_LAMBDA: emulator.lambdaEndpoint,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  return {
    emulator,
    invoke(event) {
      const died = exited.then((code) => {
        throw new Error(`the runtime exited (${code}) before answering\n${output()}`);
      });
      return Promise.race([emulator.invoke(event), died]);
    },
    logLines: () =>
      stderr.split('\n').flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return parsed && typeof parsed === 'object' ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    output,
    exited,
  };
}

/** The function's result, which must be a response (not an error). */
function resultOf(outcome: InvocationOutcome) {
  if (outcome.kind !== 'response')
    throw new Error(`expected a response, got ${JSON.stringify(outcome.error)}`);
  return JSON.parse(outcome.body);
}

/** The error an invocation ended with, which must be an error. */
function errorOf(outcome: InvocationOutcome) {
  if (outcome.kind !== 'error') throw new Error(`expected an error, got ${outcome.body}`);
  return outcome.error;
}

// Events after AWS's documented shapes for each trigger.

/** API Gateway REST API, Lambda proxy integration (payload 1.0), stage `prod` as in the template. */
function restEvent(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
) {
  const headers = {
    Host: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'Withings Notification',
    'X-Forwarded-For': '203.0.113.7',
    'X-Forwarded-Proto': 'https',
    ...options.headers,
  };
  return {
    resource: path.startsWith('/webhook/withings/') ? '/webhook/withings/{secret}' : path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: path.startsWith('/webhook/withings/') ? { secret: path.split('/')[3] } : null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      resourcePath: path,
      httpMethod: method,
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      stage: 'prod',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      identity: { sourceIp: '203.0.113.7', userAgent: headers['User-Agent'] },
      domainName: headers.Host,
      domainPrefix: 'a1b2c3d4e5',
    },
    body: options.body ?? null,
    isBase64Encoded: false,
  };
}

/** Payload format 2.0: an HTTP API (`domain` *.execute-api.*, stage `prod`) or a Function URL (*.lambda-url.*, `$default`). */
function v2Event(
  kind: 'http-api' | 'function-url',
  method: string,
  path: string,
  options: { headers?: Record<string, string>; query?: string; body?: string } = {},
) {
  const domainName =
    kind === 'http-api'
      ? 'f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com'
      : 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws';
  const stage = kind === 'http-api' ? 'prod' : '$default';
  const rawPath = kind === 'http-api' ? `/prod${path}` : path;
  return {
    version: '2.0',
    routeKey: kind === 'http-api' ? `${method} ${path}` : '$default',
    rawPath,
    rawQueryString: options.query ?? '',
    headers: {
      host: domainName,
      'user-agent': 'curl/8.5.0',
      'x-forwarded-for': '198.51.100.4',
      ...options.headers,
    },
    requestContext: {
      accountId: kind === 'http-api' ? '123456789012' : 'anonymous',
      apiId: domainName.split('.')[0],
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.4',
        userAgent: 'curl/8.5.0',
      },
      requestId: randomUUID(),
      routeKey: kind === 'http-api' ? `${method} ${path}` : '$default',
      stage,
      time: '02/Dec/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  };
}

/** EventBridge's event for the template's `rate(6 hours)` rule. */
function scheduleEvent() {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:123456789012:rule/wg-sync-SyncFunctionReconcile-1A2B3C4D5E6F`],
    detail: {},
  };
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

function notificationBody(userId: string, takenAt: Date): string {
  const seconds = Math.floor(takenAt.getTime() / 1000);
  return `userid=${userId}&appli=1&startdate=${seconds - 1}&enddate=${seconds + 1}`;
}

describe('runtime-api-emulator: the documented Runtime API', () => {
  it('long-polls for the next event, settles it by request id, refuses unknown ids, and times out', async () => {
    const emulator = await startRuntimeApiEmulator({ functionArn: FUNCTION_ARN });
    cleanups.push(() => emulator.close());
    const base = `http://${emulator.runtimeApi}/2018-06-01/runtime`;
    let answered = false;
    const next = fetch(`${base}/invocation/next`).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false); // nothing queued: it waits
    const invocation = emulator.enqueue({ hello: 'world' }, { timeoutMs: 5_000 });
    const res = await next;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'world' });
    expect(res.headers.get('lambda-runtime-aws-request-id')).toBe(invocation.requestId);
    expect(res.headers.get('lambda-runtime-invoked-function-arn')).toBe(FUNCTION_ARN);
    expect(res.headers.get('lambda-runtime-trace-id')).toMatch(
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    const deadline = Number(res.headers.get('lambda-runtime-deadline-ms'));
    expect(deadline).toBeGreaterThan(Date.now());
    expect(deadline).toBeLessThanOrEqual(Date.now() + 5_000);

    const unknown = await fetch(`${base}/invocation/not-a-request/response`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(400);
    const error = await fetch(`${base}/invocation/${invocation.requestId}/error`, {
      method: 'POST',
      headers: { 'lambda-runtime-function-error-type': 'Handled' },
      body: JSON.stringify({ errorType: 'Handled', errorMessage: 'no', stackTrace: ['at x'] }),
    });
    expect(error.status).toBe(202);
    expect(await invocation.outcome).toEqual({
      kind: 'error',
      requestId: invocation.requestId,
      error: { errorType: 'Handled', errorMessage: 'no', stackTrace: ['at x'], errorTypeHeader: 'Handled' },
    });
    // Settled once: a second answer for the same id is refused.
    const again = await fetch(`${base}/invocation/${invocation.requestId}/response`, {
      method: 'POST',
      body: '1',
    });
    expect(again.status).toBe(400);

    const late = emulator.enqueue({}, { timeoutMs: 50 });
    await expect(late.outcome).rejects.toMatchObject({ code: 'INVOCATION_TIMED_OUT' });
    await expect(late.outcome).rejects.toBeInstanceOf(RuntimeApiEmulatorError);
  });
});

describe(`the bundle under aws-lambda-ric (Lambda nodejs22.x; this test process: Node ${process.version})`, {
  timeout: 60_000,
}, () => {
  it('answers REST (v1), HTTP API (v2) and Function URL events, runs its own queued sync, and reconciles on schedule', async () => {
    const w = await startWorld();
    const runtime = await startRuntime(functionEnv(w));

    const health = resultOf(await runtime.invoke(restEvent('GET', '/health')));
    expect(health, runtime.output()).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(health.body)).toEqual({ ok: true });

    // The webhook through the template's REST API: accepted at once, the sync queued on the function itself.
    const takenAt = minutesAgo(3);
    w.withings.addWeighIn(w.userId, { takenAt, weightKg: 80.2 });
    const webhook = resultOf(
      await runtime.invoke(
        restEvent('POST', `/webhook/withings/${WEBHOOK_SECRET}`, {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: notificationBody(w.userId, takenAt),
        }),
      ),
    );
    expect(webhook).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(webhook.body)).toEqual({ status: 'accepted' });
    const queued = await runtime.emulator.nextSelfInvocation();
    expect(queued.functionName).toBe(FUNCTION_ARN);
    expect(queued.invocation.event).toMatchObject({ 'wg-sync': 'notification/v1' });
    // The bundled SDK names the Node it runs on: the Node 22 of the `node` package, as the template says.
    const childNode = /md\/nodejs#(\d+\.\d+\.\d+)/.exec(queued.userAgent)?.[1];
    const node22 = execFileSync(NODE22, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    expect(childNode).toBe(node22);
    expect(childNode?.split('.')[0]).toBe(RUNTIME_MAJOR);
    // test:node22 runs this file on that same binary and says so: then the test's Node is the child's.
    if (process.env.WG_SYNC_TEST_NODE === 'node22') expect(process.versions.node).toBe(childNode);
    const synced = resultOf(await queued.invocation.outcome);
    expect(synced).toMatchObject({ kind: 'notification', status: 'synced' });
    expect(synced.report.synced).toHaveLength(1);
    expect(w.garmin.weighIns(GARMIN_EMAIL)).toHaveLength(1);

    const status = resultOf(
      await runtime.invoke(
        v2Event('http-api', 'GET', '/status', { headers: { authorization: `Bearer ${API_TOKEN}` } }),
      ),
    );
    expect(status).toMatchObject({ statusCode: 200 });
    expect(status.body).toContain(w.userId);

    const manual = resultOf(
      await runtime.invoke(
        v2Event('function-url', 'POST', '/sync/manual', {
          query: 'days=1',
          headers: { authorization: `Bearer ${API_TOKEN}` },
        }),
      ),
    );
    // Queued (API Gateway would give up after 29 s): 202 now, the sync in its own invocation.
    expect(manual).toMatchObject({ statusCode: 202 });
    expect(JSON.parse(manual.body)).toMatchObject({
      status: 'queued',
      days: 1,
      statusUrl: expect.any(String),
    });
    const queuedManual = await runtime.emulator.nextSelfInvocation();
    expect(queuedManual.invocation.event).toMatchObject({ 'wg-sync': 'manual/v1' });
    const manualOutcome = resultOf(await queuedManual.invocation.outcome);
    expect(
      runtime.logLines().some((l) => l.event === 'lambda.manual.synced'),
      JSON.stringify(manualOutcome),
    ).toBe(true);

    const reconcile = resultOf(await runtime.invoke(scheduleEvent()));
    expect(reconcile).toMatchObject({ kind: 'reconcile', report: { ok: true } });
    expect(runtime.logLines().some((l) => l.event === 'lambda.reconcile')).toBe(true);
    // Every invocation went through the Runtime API, none around it.
    expect(runtime.emulator.log.filter((l) => l.includes('/response 202'))).toHaveLength(7);
    for (const secret of [API_TOKEN, WEBHOOK_SECRET, w.withings.clientSecret, ...w.garmin.secrets()])
      expect(runtime.output()).not.toContain(secret);
  });

  it('reports the error classes a user sees by their own names (the bundle is minified)', async () => {
    const w = await startWorld();
    const runtime = await startRuntime(functionEnv(w));

    const unknown = errorOf(await runtime.invoke({ hello: 'world' }));
    expect(unknown.errorType).toBe('UnknownEventError');
    expect(unknown.errorMessage).toContain('top-level keys: hello');

    // A forged queued event is answered (a throw would make Lambda retry it) and logged by name.
    const forged = resultOf(
      await runtime.invoke({
        'wg-sync': 'notification/v1',
        payload: JSON.stringify({ fn: FUNCTION_NAME, iat: Math.floor(Date.now() / 1000), n: {} }),
        signature: 'forged-signature',
      }),
    );
    expect(forged).toEqual({ kind: 'notification', status: 'rejected', reason: 'BAD_SIGNATURE' });
    const rejected = runtime.logLines().find((l) => l.event === 'lambda.async.rejected');
    expect(rejected).toMatchObject({
      level: 'error',
      reason: 'BAD_SIGNATURE',
      error: { name: 'AsyncEventRejectedError', code: 'ASYNC_EVENT_REJECTED' },
    });

    // Garmin down: the scheduled reconcile fails the invocation, so Lambda's Errors metric sees it.
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(30), weightKg: 79.9 });
    w.garmin.faults.add('server-error', 50);
    const reconcile = errorOf(await runtime.invoke(scheduleEvent()));
    expect(reconcile.errorType).toBe('ReconcileFailedError');
    expect(reconcile.errorMessage).toContain('reconcile failed');
  });

  it('fails non-HTTP events with ConfigError when a variable is missing, and SecretsManagerError when the secret cannot be read', async () => {
    const w = await startWorld();
    const { WG_SYNC_TABLE: _, ...withoutTable } = functionEnv(w);
    const missing = await startRuntime(withoutTable);
    const config = errorOf(await missing.invoke(scheduleEvent()));
    expect(config.errorType).toBe('ConfigError');
    expect(config.errorMessage).toContain('WG_SYNC_TABLE is required');
    // HTTP callers, who may be anyone, get no detail.
    const http = resultOf(await missing.invoke(restEvent('GET', '/status')));
    expect(http.statusCode).toBe(500);
    expect(JSON.parse(http.body).error).toMatchObject({
      code: 'INTERNAL',
      message: 'wg-sync is not available',
    });
    expect(missing.logLines().find((l) => l.event === 'lambda.config.invalid')).toMatchObject({
      code: 'INVALID_CONFIG',
    });

    const unreadable = await startRuntime({
      ...functionEnv(w),
      WG_SYNC_SECRET_ID: `arn:aws:secretsmanager:${REGION}:123456789012:secret:CredentialsSecret-AbCdEf`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${await closedPort()}`,
    });
    const secret = errorOf(await unreadable.invoke(scheduleEvent()));
    expect(secret.errorType).toBe('SecretsManagerError');
    expect(unreadable.logLines().find((l) => l.event === 'lambda.config.invalid')).toMatchObject({
      code: 'SECRET_UNAVAILABLE',
      error: { name: 'SecretsManagerError' },
    });
  });

  it('a Handler that names no export is an init error, reported on /runtime/init/error', async () => {
    const runtime = await startRuntime({}, 'handler.nope');
    const init = await Promise.race([
      runtime.emulator.initError,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(runtime.output())), 15_000)),
    ]);
    expect(init).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorTypeHeader: 'Runtime.HandlerNotFound',
    });
    expect(init.errorMessage).toContain('nope');
    expect(await runtime.exited).not.toBe(0);
  });
});
