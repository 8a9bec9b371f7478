import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  LambdaFunctionURLEvent,
} from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiGatewayV1 } from '../src/http/api-gateway-v1.js';
import { apiGatewayV2, functionUrl } from '../src/http/api-gateway-v2.js';
import { httpProcessorFor } from '../src/http/http-event-processor.js';
import type { ApiGatewayV1Event, ApiGatewayV2Event } from '../src/lambda-events.js';
import { fixture } from './harness.js';

const FORM = 'userid=37012345&appli=1&startdate=1741588937&enddate=1741588938';

// The official event types must be accepted as they are (checked by tsc).
const v1 = (name: string): ApiGatewayV1Event => fixture<APIGatewayProxyEvent>(name);
const v2 = (name: string): ApiGatewayV2Event => fixture<APIGatewayProxyEventV2>(name);
const url = (name: string): ApiGatewayV2Event => fixture<LambdaFunctionURLEvent>(name);

describe('dispatch', () => {
  it('picks one processor per shape, and none for non-HTTP events', () => {
    expect(httpProcessorFor(v1('api-gateway-v1-webhook-post'))?.name).toBe('api-gateway-v1');
    expect(httpProcessorFor(v1('api-gateway-v1-webhook-head'))?.name).toBe('api-gateway-v1');
    expect(httpProcessorFor(v2('api-gateway-v2-webhook-post'))?.name).toBe('api-gateway-v2');
    expect(httpProcessorFor(v2('api-gateway-v2-manual-sync'))?.name).toBe('api-gateway-v2');
    expect(httpProcessorFor(url('function-url-webhook-post'))?.name).toBe('function-url');
    for (const other of [fixture('eventbridge-scheduled-event'), { 'wg-sync': 'x' }, {}, null, 'text', 42]) {
      expect(httpProcessorFor(other)).toBeUndefined();
    }
  });
});

describe('API Gateway REST (v1) → Request', () => {
  it('a Withings POST: method, path without the stage, form body, headers', async () => {
    const request = apiGatewayV1.toRequest(v1('api-gateway-v1-webhook-post'));
    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/webhook/withings');
    expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(request.headers.get('x-forwarded-for')).toBe('89.30.121.150, 130.176.0.1');
    expect(await request.text()).toBe(FORM);
  });

  it('removes a stage prefix that is in the path, as a whole segment only', () => {
    const event = v1('api-gateway-v1-webhook-post');
    event.path = '/prod/webhook/withings';
    expect(new URL(apiGatewayV1.toRequest(event).url).pathname).toBe('/webhook/withings');
    event.path = '/production/webhook/withings';
    expect(new URL(apiGatewayV1.toRequest(event).url).pathname).toBe('/production/webhook/withings');
    event.path = '/prod';
    expect(new URL(apiGatewayV1.toRequest(event).url).pathname).toBe('/');
  });

  it('removes a custom-domain base path when told', () => {
    const event = v1('api-gateway-v1-webhook-post');
    event.path = '/wg/webhook/withings';
    expect(new URL(apiGatewayV1.toRequest(event, { basePath: '/wg' }).url).pathname).toBe(
      '/webhook/withings',
    );
    expect(new URL(apiGatewayV1.toRequest(event, { basePath: 'wg/' }).url).pathname).toBe(
      '/webhook/withings',
    );
  });

  it('HEAD: no body even if the event has one, secret path kept', async () => {
    const event = v1('api-gateway-v1-webhook-head');
    event.body = 'ignored';
    const request = apiGatewayV1.toRequest(event);
    expect(request.method).toBe('HEAD');
    expect(new URL(request.url).pathname).toBe('/webhook/withings/hook-secret-0123456789');
    expect(request.body).toBeNull();
  });

  it('multi-value headers, cookies and repeated query parameters all arrive', () => {
    const request = apiGatewayV1.toRequest(v1('api-gateway-v1-status-get'));
    expect(request.headers.get('accept')).toBe('application/json, text/plain');
    expect(request.headers.get('x-custom')).toBe('first, second');
    expect(request.headers.get('cookie')).toBe('theme=dark; session=abc123');
    expect(request.headers.get('authorization')).toBe('Bearer api-token-0123456789abcdef');
    const query = new URL(request.url).searchParams;
    expect(query.getAll('tag')).toEqual(['a', 'b']);
    expect(query.get('note')).toBe('a b&c');
  });

  it('falls back to the single-value maps when the multi-value ones are absent', () => {
    const event = v1('api-gateway-v1-status-get');
    event.multiValueHeaders = null;
    event.multiValueQueryStringParameters = null;
    const request = apiGatewayV1.toRequest(event);
    expect(request.headers.get('x-custom')).toBe('second');
    expect(new URL(request.url).searchParams.getAll('tag')).toEqual(['b']);
  });

  it('a base64 body (binary media types) is decoded to bytes', async () => {
    const event = v1('api-gateway-v1-webhook-post');
    event.body = Buffer.from(FORM).toString('base64');
    event.isBase64Encoded = true;
    expect(await apiGatewayV1.toRequest(event).text()).toBe(FORM);
  });

  it('survives hostile values: odd host, header values fetch refuses, # and ? in the path', () => {
    const event = v1('api-gateway-v1-status-get');
    event.multiValueHeaders = { Host: ['evil.example/../x'], 'X-Name': ['Zoë ✓'], 'X-Ok': ['fine'] };
    event.path = '/status#frag?x=1';
    const request = apiGatewayV1.toRequest(event);
    expect(new URL(request.url).host).toBe('lambda.invalid');
    expect(new URL(request.url).pathname).toBe('/status%23frag%3Fx=1');
    expect(request.headers.get('x-name')).toBeNull();
    expect(request.headers.get('x-ok')).toBe('fine');
  });
});

describe('HTTP API (v2) and Function URL → Request', () => {
  it('a stage-prefixed rawPath, base64 form body with charset, cookies array', async () => {
    const request = apiGatewayV2.toRequest(v2('api-gateway-v2-webhook-post'));
    expect(request.method).toBe('POST');
    expect(new URL(request.url).pathname).toBe('/webhook/withings');
    expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded; charset=UTF-8');
    expect(request.headers.get('cookie')).toBe('theme=dark; session=abc123');
    expect(request.headers.get('x-multi')).toBe('one,two');
    expect(await request.text()).toBe(FORM);
  });

  it('$default stage and the raw query string', () => {
    const request = apiGatewayV2.toRequest(v2('api-gateway-v2-manual-sync'));
    expect(new URL(request.url).pathname).toBe('/sync/manual');
    expect(new URL(request.url).search).toBe('?days=3');
    expect(request.headers.get('authorization')).toBe('Bearer api-token-0123456789abcdef');
    expect(request.body).toBeNull();
  });

  it('a Function URL event', async () => {
    const request = functionUrl.toRequest(url('function-url-webhook-post'));
    expect(request.url).toBe(
      'https://abcdefghijklmnopqrstuvwxyz0123.lambda-url.eu-west-1.on.aws/webhook/withings',
    );
    expect(await request.text()).toBe(FORM);
  });
});

describe('Response → result', () => {
  const withCookies = () => {
    const headers = new Headers({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    headers.append('set-cookie', 'a=1; Path=/; HttpOnly');
    headers.append('set-cookie', 'b=2; Path=/');
    return new Response(JSON.stringify({ status: 'queued' }), { status: 200, headers });
  };

  it('v1: text body, headers, and every Set-Cookie in multiValueHeaders', async () => {
    const result: APIGatewayProxyResult = await apiGatewayV1.toResult(withCookies());
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      multiValueHeaders: { 'set-cookie': ['a=1; Path=/; HttpOnly', 'b=2; Path=/'] },
      body: '{"status":"queued"}',
      isBase64Encoded: false,
    });
  });

  it('v2: cookies as their own list', async () => {
    const result: APIGatewayProxyStructuredResultV2 = await apiGatewayV2.toResult(withCookies());
    expect(result.cookies).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
    expect(result.headers).not.toHaveProperty('set-cookie');
    expect(result.body).toBe('{"status":"queued"}');
  });

  it('binary bodies go out base64-encoded, byte for byte', async () => {
    const bytes = Uint8Array.from([0, 255, 14, 16, 0x2e, 0x46, 0x49, 0x54]);
    const result = await apiGatewayV2.toResult(
      new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }),
    );
    expect(result.isBase64Encoded).toBe(true);
    expect(Buffer.from(result.body, 'base64')).toEqual(Buffer.from(bytes));
  });

  it('an empty answer (HEAD, 204) is an empty text body, with the status and Allow header kept', async () => {
    const result = await apiGatewayV1.toResult(
      new Response(null, { status: 405, headers: { allow: 'GET' } }),
    );
    expect(result).toEqual({
      statusCode: 405,
      headers: { allow: 'GET' },
      multiValueHeaders: {},
      body: '',
      isBase64Encoded: false,
    });
  });

  it('non-ASCII JSON survives as UTF-8 text', async () => {
    const result = await apiGatewayV2.toResult(Response.json({ message: 'Grüße ✓' }));
    expect(JSON.parse(result.body)).toEqual({ message: 'Grüße ✓' });
    expect(result.isBase64Encoded).toBe(false);
  });
});
