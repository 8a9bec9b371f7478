import { describe, expect, it } from 'vitest';
import { LambdaAdapterError } from '../src/errors.js';
import { apiGatewayV1 } from '../src/http/api-gateway-v1.js';
import { withinBasePath } from '../src/http/web-request.js';
import { lambdaAdapter } from '../src/lambda-adapter.js';
import type { ApiGatewayV1Event, ApiGatewayV1Result, LambdaAdapterResult } from '../src/lambda-events.js';
import { lambdaHandlerFromEnv } from '../src/lambda-handler-from-env.js';
import {
  API_TOKEN,
  collectLogs,
  fixture,
  lambdaContext,
  WEBHOOK_SECRET,
  type World,
  world,
} from './harness.js';

const DOMAIN = 'sync.example.com';

/**
 * A REST API (v1) event as API Gateway sends it through a custom domain whose API mapping has the
 * base path `wg`: the base path stays in `path` (and `requestContext.path`), the stage does not.
 */
function viaCustomDomain(method: string, path: string, headers: Record<string, string> = {}) {
  const event = fixture<{ requestContext: Record<string, unknown> }>('api-gateway-v1-status-get');
  const all = { Host: DOMAIN, 'User-Agent': 'curl/8.5.0', ...headers };
  return {
    ...event,
    httpMethod: method,
    path,
    resource: '/health',
    headers: all,
    multiValueHeaders: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    requestContext: { ...event.requestContext, path, domainName: DOMAIN, stage: 'prod', httpMethod: method },
  };
}

/** An HTTP API (v2) event through a custom domain's API mapping `wg` (default stage). */
function httpApiViaCustomDomain(method: string, rawPath: string) {
  const event = fixture<{ requestContext: { http: { method: string }; domainName: string; stage: string } }>(
    'api-gateway-v2-webhook-post',
  );
  event.requestContext.http.method = method;
  event.requestContext.domainName = DOMAIN;
  event.requestContext.stage = '$default';
  return { ...event, rawPath, headers: { host: DOMAIN }, body: undefined, isBase64Encoded: false };
}

/** The environment of a deployment on the simulators with the base path `value`. */
function envFor(w: World, value: string | undefined): Record<string, string> {
  return {
    WG_SYNC_TABLE: w.tableName,
    WITHINGS_CLIENT_ID: w.withings.clientId,
    WITHINGS_CLIENT_SECRET: w.withings.clientSecret,
    WITHINGS_BASE_URL: w.withings.url,
    WG_SYNC_API_TOKEN: API_TOKEN,
    WG_SYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    WG_SYNC_PROCESSING: 'inline',
    ...(value === undefined ? {} : { WG_SYNC_BASE_PATH: value }),
  };
}

const http = (result: LambdaAdapterResult) => result as ApiGatewayV1Result;

describe('WG_SYNC_BASE_PATH: a custom domain with a base path', { timeout: 30_000 }, () => {
  it('serves /wg/health, /wg/status and the webhook check through the mapping', async () => {
    const w = await world();
    const { logger } = collectLogs();
    const handler = lambdaHandlerFromEnv({ env: envFor(w, '/wg'), dynamoClient: w.db.client(), logger });

    const health = http(await handler(viaCustomDomain('GET', '/wg/health'), lambdaContext()));
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ ok: true });
    const status = http(
      await handler(
        viaCustomDomain('GET', '/wg/status', { Authorization: `Bearer ${API_TOKEN}` }),
        lambdaContext(),
      ),
    );
    expect(status.statusCode).toBe(200);
    expect(JSON.parse(status.body).accounts[0].userId).toBe(w.userId);
    const check = http(
      await handler(viaCustomDomain('HEAD', `/wg/webhook/withings/${WEBHOOK_SECRET}`), lambdaContext()),
    );
    expect(check.statusCode).toBe(200);
    const v2 = http(await handler(httpApiViaCustomDomain('GET', '/wg/health'), lambdaContext()));
    expect(v2.statusCode).toBe(200);
  });

  it('without it, /wg/health is a 404 (what the issue saw)', async () => {
    const w = await world();
    const { logger } = collectLogs();
    const handler = lambdaHandlerFromEnv({ env: envFor(w, undefined), dynamoClient: w.db.client(), logger });
    expect(http(await handler(viaCustomDomain('GET', '/wg/health'), lambdaContext())).statusCode).toBe(404);
  });

  it('answers a path outside the base path exactly as core answers a route it does not have', async () => {
    const w = await world();
    const { logger, lines } = collectLogs();
    const handler = lambdaHandlerFromEnv({ env: envFor(w, 'wg'), dynamoClient: w.db.client(), logger });
    const unknownRoute = http(await handler(viaCustomDomain('GET', '/wg/nope'), lambdaContext()));
    expect(unknownRoute.statusCode).toBe(404);
    for (const path of ['/health', '/wgx/health', '/prod/wg/health', `/webhook/withings/${WEBHOOK_SECRET}`]) {
      const outside = http(await handler(viaCustomDomain('GET', path), lambdaContext()));
      expect(outside, path).toEqual(unknownRoute);
    }
    const head = http(await handler(viaCustomDomain('HEAD', '/health'), lambdaContext()));
    expect(head.statusCode).toBe(404);
    expect(head.body).toBe('');
    expect(unknownRoute.body).not.toMatch(/wg|base/i);
    // The operator can tell why from the log; the path (it may hold the webhook secret) is not in it.
    expect(lines.filter((line) => line.includes('lambda.request.outside-base-path'))).toHaveLength(5);
    expect(lines.join('\n')).not.toContain(WEBHOOK_SECRET);
  });

  it('keeps the health check through the mapping while the configuration is broken: 503, not 500', async () => {
    const w = await world();
    const { logger } = collectLogs();
    const env = { ...envFor(w, '/wg'), WITHINGS_CLIENT_ID: '' };
    const handler = lambdaHandlerFromEnv({ env, dynamoClient: w.db.client(), logger });
    const health = http(await handler(viaCustomDomain('GET', '/wg/health'), lambdaContext()));
    expect(health.statusCode).toBe(503);
    expect(health.body).toBe('{"ok":false}');
  });

  it('an unusable value is a configuration problem, listed with the others', async () => {
    const w = await world();
    const { logger, lines } = collectLogs();
    const handler = lambdaHandlerFromEnv({
      env: envFor(w, '/w g/'),
      dynamoClient: w.db.client(),
      logger,
    });
    expect(http(await handler(viaCustomDomain('GET', '/health'), lambdaContext())).statusCode).toBe(503);
    const invalid = JSON.parse(lines.find((line) => line.includes('lambda.config.invalid')) ?? '{}');
    expect(invalid.problems.join('\n')).toMatch(/WG_SYNC_BASE_PATH: basePath must be a path such as \/wg/);
    expect(() => lambdaAdapter(w.sync, { processing: 'inline', basePath: '/wg?x=1' })).toThrow(
      LambdaAdapterError,
    );
  });
});

describe('withinBasePath', () => {
  it('removes whole leading segments only, and says when the path is not under it', () => {
    expect(withinBasePath('/wg/health', '/wg')).toBe('/health');
    expect(withinBasePath('/wg/health', 'wg/')).toBe('/health');
    expect(withinBasePath('/wg', 'wg')).toBe('/');
    expect(withinBasePath('/wg/', 'wg')).toBe('/');
    expect(withinBasePath('/api/v1/status', 'api/v1')).toBe('/status');
    expect(withinBasePath('/wgx/health', 'wg')).toBeUndefined();
    expect(withinBasePath('/health', 'wg')).toBeUndefined();
    expect(withinBasePath('/api/status', 'api/v1')).toBeUndefined();
    expect(withinBasePath('/health', undefined)).toBe('/health');
  });

  it('a base path named like the stage is still removed once, as the mapping put it there', () => {
    const event = fixture<ApiGatewayV1Event>('api-gateway-v1-status-get');
    event.path = '/prod/status';
    expect(new URL(apiGatewayV1.toRequest(event, { basePath: 'prod' }).url).pathname).toBe('/status');
  });
});
