import { createSync, memoryStore, type Sync } from '@wg-sync/core';
import { describe, expect, it } from 'vitest';
import { lambdaAdapter } from '../src/lambda-adapter.js';
import type { ApiGatewayV1Result, ApiGatewayV2Result, LambdaHandler } from '../src/lambda-events.js';
import { lambdaHandlerFromEnv } from '../src/lambda-handler-from-env.js';
import { API_TOKEN, collectLogs, fixture, lambdaContext, WEBHOOK_SECRET } from './harness.js';

type HttpResult = ApiGatewayV1Result | ApiGatewayV2Result;
type Shape = (method: string, path: string, headers?: Record<string, string>) => unknown;

/** A REST API (v1) event on the `prod` stage, from the committed fixture of Withings' HEAD check. */
const rest: Shape = (method, path, headers = {}) => {
  const event = fixture<{
    requestContext: Record<string, unknown>;
    headers: Record<string, string>;
    multiValueHeaders: Record<string, string[]>;
  }>('api-gateway-v1-webhook-head');
  event.requestContext.httpMethod = method;
  event.requestContext.path = `/prod${path}`;
  for (const [name, value] of Object.entries(headers)) {
    event.headers[name] = value;
    event.multiValueHeaders[name] = [value];
  }
  return { ...event, httpMethod: method, path, resource: path, pathParameters: null };
};

/** Payload 2.0 from a committed POST fixture, turned into a bodiless `method path` request. */
function payload2(name: string, stagePrefix: string): Shape {
  return (method, path, headers = {}) => {
    const event = fixture<{
      requestContext: { http: Record<string, unknown> };
      headers: Record<string, string>;
    }>(name);
    event.requestContext.http.method = method;
    event.requestContext.http.path = `${stagePrefix}${path}`;
    delete event.headers['content-type'];
    delete event.headers['content-length'];
    Object.assign(event.headers, headers);
    return { ...event, rawPath: `${stagePrefix}${path}`, body: undefined, isBase64Encoded: false };
  };
}

const shapes: Array<[string, Shape]> = [
  ['REST (v1)', rest],
  ['HTTP API (v2)', payload2('api-gateway-v2-webhook-post', '/prod')],
  ['Function URL', payload2('function-url-webhook-post', '')],
];

/** The same request as GET and as HEAD through `handler`. */
async function getThenHead(
  handler: LambdaHandler,
  shape: Shape,
  path: string,
  headers: Record<string, string> = {},
) {
  const get = (await handler(shape('GET', path, headers), lambdaContext())) as HttpResult;
  const head = (await handler(shape('HEAD', path, headers), lambdaContext())) as HttpResult;
  return { get, head };
}

/** HEAD's result is GET's (status, headers, cookies) with an empty text body. */
function expectGetWithoutBody({ get, head }: { get: HttpResult; head: HttpResult }) {
  const { body: headBody, isBase64Encoded: headBase64, ...headRest } = head;
  const { body: getBody, isBase64Encoded: _, ...getRest } = get;
  expect(headRest).toEqual(getRest);
  expect([headBody, headBase64]).toEqual(['', false]);
  return { ...get, body: getBody };
}

function engine(): Sync {
  return createSync({
    withings: { clientId: 'client-id', clientSecret: 'client-secret-0123456789' },
    store: memoryStore(),
    apiToken: API_TOKEN,
    webhookSecret: WEBHOOK_SECRET,
    logger: collectLogs().logger,
  });
}

describe.each(shapes)('%s: HEAD gets the GET’s status and headers, body empty', (_name, shape) => {
  const adapter = () => lambdaAdapter(engine(), { processing: 'inline', logger: collectLogs().logger });

  it('/health', async () => {
    const get = expectGetWithoutBody(await getThenHead(adapter(), shape, '/health'));
    expect([get.statusCode, get.body]).toEqual([200, '{"ok":true}']);
    expect(get.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('the webhook route (Withings’ check): 200 empty, as before', async () => {
    const get = expectGetWithoutBody(
      await getThenHead(adapter(), shape, `/webhook/withings/${WEBHOOK_SECRET}`),
    );
    expect([get.statusCode, get.body]).toEqual([200, '']);
  });

  it.each([
    ['/nowhere', 404, 'NOT_FOUND'],
    ['/webhook/withings', 404, 'NOT_FOUND'],
    ['/sync/manual', 405, 'METHOD_NOT_ALLOWED'],
    ['/status', 401, 'UNAUTHORIZED'],
  ])('%s: %i', async (path, status, code) => {
    const get = expectGetWithoutBody(await getThenHead(adapter(), shape, path));
    expect([get.statusCode, JSON.parse(get.body).error.code]).toEqual([status, code]);
  });

  it('/status with the token: 200, HEAD-able like GET', async () => {
    const get = expectGetWithoutBody(
      await getThenHead(adapter(), shape, '/status', { authorization: `Bearer ${API_TOKEN}` }),
    );
    expect([get.statusCode, JSON.parse(get.body)]).toEqual([200, { accounts: [] }]);
  });

  it('the adapter’s own 500, when the engine’s handler throws', async () => {
    const failing = { ...engine(), handler: () => Promise.reject(new Error('boom')) };
    const handler = lambdaAdapter(failing, { processing: 'inline', logger: collectLogs().logger });
    const get = expectGetWithoutBody(await getThenHead(handler, shape, '/health'));
    expect([get.statusCode, get.headers['x-request-id']]).toEqual([500, lambdaContext().awsRequestId]);
  });

  it('a configuration that cannot start (empty webhook secret, unauthenticated webhook refused)', async () => {
    const handler = lambdaHandlerFromEnv({
      env: {
        WG_SYNC_TABLE: 'wg-sync-test',
        WG_SYNC_PROCESSING: 'inline',
        WITHINGS_CLIENT_ID: 'client-id',
        WITHINGS_CLIENT_SECRET: 'client-secret-0123456789',
        WG_SYNC_PUBLIC_URL: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod',
        WG_SYNC_WEBHOOK_SECRET: '',
        WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'false',
      },
      logger: collectLogs().logger,
    });
    const health = expectGetWithoutBody(await getThenHead(handler, shape, '/health'));
    expect([health.statusCode, health.body]).toEqual([503, '{"ok":false}']);
    const webhook = expectGetWithoutBody(await getThenHead(handler, shape, '/webhook/withings'));
    expect([webhook.statusCode, JSON.parse(webhook.body).error.code]).toEqual([500, 'INTERNAL']);
  });
});
