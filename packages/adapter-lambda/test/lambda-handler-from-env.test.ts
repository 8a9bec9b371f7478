import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { CONFIG_ENV_VARS, ConfigError } from '@wg-sync/core';
import { describe, expect, it } from 'vitest';
import type { ApiGatewayV1Result, ApiGatewayV2Result } from '../src/lambda-events.js';
import {
  LAMBDA_ENV_VARS,
  LAMBDA_HANDLER_ENV_VARS,
  lambdaHandlerFromEnv,
} from '../src/lambda-handler-from-env.js';
import { SECRET_KEYS } from '../src/secrets-from-secrets-manager.js';
import {
  collectLogs,
  fixture,
  lambdaContext,
  minutesAgo,
  notificationBody,
  WEBHOOK_SECRET,
  type World,
  world,
} from './harness.js';
import { mockedLambda, mockedSecretsManager, payloadOf } from './helpers.js';

const { client: secretsClient, mock: sm } = mockedSecretsManager();
const { client: lambdaClient, mock: lambda, invokes } = mockedLambda();

const SECRET_ID = 'wg-sync/credentials';
const WEBHOOK_SECRET_ID = 'wg-sync/webhook-secret';
const PUBLIC_URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod';
const API_TOKEN = 'api-token-from-the-secret-0123';

/** The environment the SAM template sets, pointed at the simulators and the local table. */
function envFor(w: World): Record<string, string> {
  return {
    WG_SYNC_TABLE: w.tableName,
    WG_SYNC_SECRET_ID: SECRET_ID,
    WITHINGS_BASE_URL: w.withings.url,
    GARMIN_SSO_URL: w.garmin.urls.sso,
    GARMIN_DIAUTH_URL: w.garmin.urls.diauth,
    GARMIN_CONNECTAPI_URL: w.garmin.urls.connectapi,
    WG_SYNC_READBACK_DELAY_MS: '5',
    WG_SYNC_LOG_LEVEL: 'info',
  };
}

const secretFor = (w: World) => ({
  WITHINGS_CLIENT_ID: w.withings.clientId,
  WITHINGS_CLIENT_SECRET: w.withings.clientSecret,
  WG_SYNC_API_TOKEN: API_TOKEN,
  WG_SYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
});

const json = (result: unknown) => JSON.parse((result as ApiGatewayV1Result | ApiGatewayV2Result).body);

const ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/wg-sync-SyncFunctionRole-1A2B3C4D5E6F/wg-sync-sync';
const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:CredentialsSecret-AbCdEfGhIjKl-x1Y2z3';

/** A REST API (v1) event for `method path`, from the committed fixture. */
function restRequest(method: string, path: string) {
  const event = fixture<Record<string, unknown>>('api-gateway-v1-webhook-post');
  return { ...event, httpMethod: method, path, resource: path };
}

/** An HTTP API (v2) event for `method path` on the `prod` stage, from the committed fixture. */
function httpApiRequest(method: string, path: string) {
  const event = fixture<{ requestContext: { http: Record<string, unknown> } }>('api-gateway-v2-webhook-post');
  event.requestContext.http.method = method;
  return { ...event, rawPath: `/prod${path}`, routeKey: `${method} ${path}` };
}

describe('lambdaHandlerFromEnv', { timeout: 30_000 }, () => {
  it('wires secret, table, engine and adapter on the first event, once, and runs the async-invoke flow', async () => {
    const w = await world();
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({
      SecretString: JSON.stringify(secretFor(w)),
    });
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const { logger, lines } = collectLogs();
    const handler = lambdaHandlerFromEnv({
      env: envFor(w),
      secretsClient,
      lambdaClient,
      dynamoClient: w.db.client(),
      logger,
    });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);

    const takenAt = minutesAgo(3);
    w.withings.addWeighIn(w.userId, { takenAt, weightKg: 80.2 });
    const webhook = fixture<{ path: string; body: string }>('api-gateway-v1-webhook-post');
    webhook.path = `/webhook/withings/${WEBHOOK_SECRET}`;
    webhook.body = notificationBody(w.userId, takenAt);
    const before = w.upstreamCalls();
    const answer = await handler(webhook, lambdaContext());
    expect(answer).toMatchObject({ statusCode: 200 });
    expect(json(answer)).toEqual({ status: 'accepted' });
    expect(w.upstreamCalls()).toBe(before);

    const queued = payloadOf(invokes()[0]);
    expect(await handler(queued, lambdaContext())).toMatchObject({ kind: 'notification', status: 'synced' });
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);

    // A manual sync is queued the same way: 202 at once, the sync in the queued invocation.
    const manual = fixture<{ headers: Record<string, string> }>('api-gateway-v2-manual-sync');
    manual.headers.authorization = `Bearer ${API_TOKEN}`;
    const accepted = await handler(manual, lambdaContext());
    expect(accepted).toMatchObject({ statusCode: 202 });
    // No WG_SYNC_PUBLIC_URL here, so the route's own path.
    expect(json(accepted)).toMatchObject({ status: 'queued', statusUrl: '/status' });
    const queuedManual = payloadOf(invokes()[1]);
    expect(await handler(queuedManual, lambdaContext())).toMatchObject({
      kind: 'manual-sync',
      status: 'synced',
    });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(lines.some((l) => l.includes('"webhook.accepted"'))).toBe(true);
    const shown = JSON.stringify([answer, queued]) + lines.join('\n');
    for (const secret of [...w.secrets(), API_TOKEN]) expect(shown).not.toContain(secret);
  });

  it('logs every configuration problem (never a value) and answers without them, then recovers once the secret is fixed', async () => {
    const w = await world();
    const badSecret = {
      WITHINGS_CLIENT_SECRET: 'a-real-client-secret-value',
      WG_SYNC_WEBHOOK_SECRET: 'short!',
    };
    let stored = JSON.stringify(badSecret);
    sm.on(GetSecretValueCommand).callsFake(async () => ({ SecretString: stored }));
    const { logger, lines } = collectLogs();
    const env = { ...envFor(w), WG_SYNC_TABLE: '', WG_SYNC_PROCESSING: 'later' };
    const handler = lambdaHandlerFromEnv({
      env,
      secretsClient,
      lambdaClient,
      dynamoClient: w.db.client(),
      logger,
    });

    const context = lambdaContext();
    const answer = (await handler(fixture('api-gateway-v2-manual-sync'), context)) as ApiGatewayV2Result;
    expect(answer.statusCode).toBe(500);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers['x-request-id']).toBe(context.awsRequestId);
    expect(json(answer)).toEqual({
      error: { code: 'INTERNAL', message: 'wg-sync is not available', requestId: context.awsRequestId },
    });
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'lambda.config.invalid');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 'error',
      code: 'INVALID_CONFIG',
      requestId: context.awsRequestId,
    });
    expect(logged[0].problems).toHaveLength(5); // the webhook secret is both malformed and weak
    for (const name of [
      'WG_SYNC_TABLE',
      'WG_SYNC_PROCESSING',
      'WITHINGS_CLIENT_ID',
      'WG_SYNC_WEBHOOK_SECRET',
    ])
      expect(logged[0].problems.join('\n')).toContain(name);
    const shown = JSON.stringify(answer) + lines.join('\n');
    for (const value of Object.values(badSecret)) expect(shown).not.toContain(value);

    // Non-HTTP events fail the invocation (so the Errors alarm sees it).
    await expect(handler(fixture('eventbridge-scheduled-event'), lambdaContext())).rejects.toBeInstanceOf(
      ConfigError,
    );

    // The operator fixes the secret and the environment; the same warm handler picks it up.
    stored = JSON.stringify(secretFor(w));
    env.WG_SYNC_TABLE = w.tableName;
    env.WG_SYNC_PROCESSING = 'inline';
    const manual = fixture<{ headers: Record<string, string> }>('api-gateway-v2-manual-sync');
    manual.headers.authorization = `Bearer ${API_TOKEN}`;
    expect(await handler(manual, lambdaContext())).toMatchObject({ statusCode: 200 });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it.each([
    ['REST (v1)', restRequest],
    ['HTTP API (v2)', httpApiRequest],
  ])(
    '%s: an unreadable secret gives /health 503 {"ok":false} and other routes a 500 without ARNs; the log has them',
    async (_, request) => {
      const w = await world();
      sm.on(GetSecretValueCommand).rejects(
        Object.assign(
          new Error(
            `User: ${ROLE_ARN} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET_ARN} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
          ),
          { name: 'AccessDeniedException' },
        ),
      );
      const { logger, lines } = collectLogs();
      const handler = lambdaHandlerFromEnv({
        env: { ...envFor(w), WG_SYNC_SECRET_ID: SECRET_ARN },
        secretsClient,
        dynamoClient: w.db.client(),
        logger,
      });
      for (const method of ['GET', 'HEAD']) {
        const health = (await handler(request(method, '/health'), lambdaContext())) as ApiGatewayV2Result;
        expect(health.statusCode).toBe(503);
        expect(health.body).toBe(method === 'HEAD' ? '' : '{"ok":false}');
      }
      const context = lambdaContext();
      const routes = [
        request('POST', `/webhook/withings/${WEBHOOK_SECRET}`),
        request('GET', '/status'),
        request('POST', '/health'),
        request('GET', '/nope'),
      ];
      for (const event of routes) {
        const answer = (await handler(event, context)) as ApiGatewayV2Result;
        expect(answer.statusCode).toBe(500);
        expect(json(answer)).toEqual({
          error: { code: 'INTERNAL', message: 'wg-sync is not available', requestId: context.awsRequestId },
        });
        expect(answer.headers['x-request-id']).toBe(context.awsRequestId);
        for (const detail of ['arn:', '123456789012', w.tableName, 'AccessDenied', 'secretsmanager'])
          expect(JSON.stringify(answer)).not.toContain(detail);
      }
      const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'lambda.config.invalid');
      expect(logged).toHaveLength(2 + routes.length);
      const last = logged.at(-1);
      expect(last).toMatchObject({
        level: 'error',
        code: 'SECRET_UNAVAILABLE',
        requestId: context.awsRequestId,
      });
      expect(last.problems).toEqual([
        `could not read secret ${SECRET_ARN} (AccessDeniedException: the function needs secretsmanager:GetSecretValue on it)`,
      ]);
    },
  );

  it('an empty webhook secret (a deployment from before it was required) keeps working, warned at every cold start', async () => {
    const w = await world();
    const { WG_SYNC_WEBHOOK_SECRET: _, ...withoutWebhookSecret } = secretFor(w);
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ ...withoutWebhookSecret, WG_SYNC_WEBHOOK_SECRET: '' }),
    });
    const env = { ...envFor(w), WG_SYNC_PROCESSING: 'inline', WG_SYNC_PUBLIC_URL: PUBLIC_URL };
    const coldStart = () => {
      const logs = collectLogs();
      const handler = lambdaHandlerFromEnv({
        env,
        secretsClient,
        dynamoClient: w.db.client(),
        logger: logs.logger,
      });
      return { handler, lines: logs.lines };
    };
    const { handler, lines } = coldStart();
    const webhook = fixture<{ path: string; body: string }>('api-gateway-v1-webhook-post');
    webhook.body = notificationBody(w.userId, minutesAgo(3));
    for (let i = 0; i < 2; i += 1) {
      const answer = await handler(webhook, lambdaContext());
      expect(answer).toMatchObject({ statusCode: 200 });
      expect(json(answer)).toEqual({ status: 'accepted' });
    }
    const warned = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'lambda.webhook.unauthenticated');
    expect(warned).toHaveLength(1);
    expect(warned[0].level).toBe('warn');
    expect(warned[0].fix).toMatch(/WG_SYNC_WEBHOOK_SECRET.*Secrets Manager.*wg-sync webhook subscribe/);
    expect(lines.some((l) => l.includes('"config.webhook.unauthenticated"'))).toBe(true);

    // The next container says it again.
    const next = coldStart();
    await next.handler(webhook, lambdaContext());
    expect(next.lines.filter((l) => l.includes('"lambda.webhook.unauthenticated"'))).toHaveLength(1);
  });

  it('an operator who said WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK=false gets the configuration error instead', async () => {
    const w = await world();
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ ...secretFor(w), WG_SYNC_WEBHOOK_SECRET: '' }),
    });
    const { logger, lines } = collectLogs();
    const handler = lambdaHandlerFromEnv({
      env: {
        ...envFor(w),
        WG_SYNC_PUBLIC_URL: PUBLIC_URL,
        WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'false',
      },
      secretsClient,
      dynamoClient: w.db.client(),
      logger,
    });
    expect(await handler(restRequest('POST', '/webhook/withings'), lambdaContext())).toMatchObject({
      statusCode: 500,
    });
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'lambda.config.invalid');
    expect(logged.problems.join('\n')).toMatch(/webhookSecret is required with publicUrl/);
    expect(lines.some((l) => l.includes('webhook.unauthenticated'))).toBe(false);
  });

  it('reads the webhook secret from WG_SYNC_WEBHOOK_SECRET_ID; a value in the credentials secret wins; nothing else comes from it', async () => {
    const w = await world();
    const generated = 'generated-webhook-secret-0123456789AB';
    sm.on(GetSecretValueCommand, { SecretId: WEBHOOK_SECRET_ID }).resolves({
      SecretString: JSON.stringify({
        WG_SYNC_WEBHOOK_SECRET: generated,
        // Must not replace the real credentials: only the webhook secret is read from this one.
        WITHINGS_CLIENT_SECRET: 'not-the-client-secret-0123',
        WG_SYNC_API_TOKEN: 'not-the-api-token-0123456789',
      }),
    });
    const status = async (handler: ReturnType<typeof lambdaHandlerFromEnv>, path: string) =>
      ((await handler(restRequest('HEAD', path), lambdaContext())) as ApiGatewayV1Result).statusCode;
    const env = {
      ...envFor(w),
      WG_SYNC_WEBHOOK_SECRET_ID: WEBHOOK_SECRET_ID,
      WG_SYNC_PUBLIC_URL: PUBLIC_URL,
    };

    // The credentials secret's value is empty (a stack created before the generated one): the generated one serves.
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({
      SecretString: JSON.stringify({ ...secretFor(w), WG_SYNC_WEBHOOK_SECRET: '' }),
    });
    const fresh = collectLogs();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const generatedHandler = lambdaHandlerFromEnv({
      env,
      secretsClient,
      lambdaClient,
      dynamoClient: w.db.client(),
      logger: fresh.logger,
    });
    expect(await status(generatedHandler, `/webhook/withings/${generated}`)).toBe(200);
    expect(await status(generatedHandler, '/webhook/withings')).toBe(404);
    const manual = fixture<{ headers: Record<string, string> }>('api-gateway-v2-manual-sync');
    manual.headers.authorization = `Bearer ${API_TOKEN}`;
    // Accepted (queued) with the credentials secret's API token, not the other secret's.
    expect(await generatedHandler(manual, lambdaContext())).toMatchObject({ statusCode: 202 });
    expect(fresh.lines.some((l) => l.includes('webhook.unauthenticated'))).toBe(false);
    const shown = fresh.lines.join('\n');
    expect(shown).not.toContain(generated);

    // A deployment that set its own keeps it (its subscription goes on working).
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({
      SecretString: JSON.stringify(secretFor(w)),
    });
    const ownHandler = lambdaHandlerFromEnv({
      env,
      secretsClient,
      dynamoClient: w.db.client(),
      logger: fresh.logger,
    });
    expect(await status(ownHandler, `/webhook/withings/${WEBHOOK_SECRET}`)).toBe(200);
    expect(await status(ownHandler, `/webhook/withings/${generated}`)).toBe(404);
  });

  it('lists what it reads; every secret key can come from the environment too (same names)', () => {
    expect(LAMBDA_HANDLER_ENV_VARS).toEqual([...Object.keys(LAMBDA_ENV_VARS), ...CONFIG_ENV_VARS]);
    for (const name of Object.keys(LAMBDA_ENV_VARS)) expect(name).toMatch(/^WG_SYNC_[A-Z_]+$/);
    for (const key of SECRET_KEYS) expect(LAMBDA_HANDLER_ENV_VARS).toContain(key);
    for (const name of [
      'WG_SYNC_WEBHOOK_SECRET_ID',
      'WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK',
      'WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS',
    ])
      expect(LAMBDA_HANDLER_ENV_VARS).toContain(name);
    expect(new Set(LAMBDA_HANDLER_ENV_VARS).size).toBe(LAMBDA_HANDLER_ENV_VARS.length);
  });
});
