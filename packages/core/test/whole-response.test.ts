import { describe, expect, it } from 'vitest';
import { errorResponse, jsonResponse, wholeResponseParts } from '../src/index.js';

// Core's JSON answers are built without a Web body (whole-response.ts); to anyone holding one they
// must still be a Response in every respect, and an adapter must never be handed stale parts.
describe('core JSON answers are Responses that hand adapters their parts', () => {
  it('is a Response: status, ok, headers, body, text/json, clone, bodyUsed', async () => {
    const response = jsonResponse({ status: 'accepted' }, 202, { 'x-extra': 'yes' });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(202);
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(response.statusText).toBe('');
    const copy = response.clone();
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(response.bodyUsed).toBe(true);
    expect(await copy.text()).toBe('{"status":"accepted"}');
    expect(Object.prototype.toString.call(response)).toBe('[object Response]');
  });

  it('hands its parts over until the body is asked for, then never again', async () => {
    const response = errorResponse(413, 'BODY_TOO_LARGE', 'too large', { headers: { connection: 'close' } });
    expect(wholeResponseParts(response)).toEqual({
      status: 413,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'close',
      },
      body: '{"error":{"code":"BODY_TOO_LARGE","message":"too large"}}',
    });
    expect(response.ok).toBe(false);
    void response.body; // a reader may now own the stream
    expect(wholeResponseParts(response)).toBeUndefined();
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ error: { code: 'BODY_TOO_LARGE', message: 'too large' } });
  });

  it('keeps a header set after it was built in the parts an adapter writes', () => {
    const response = jsonResponse({ ok: true });
    response.headers.set('x-request-id', 'r-1');
    const parts = wholeResponseParts(response);
    expect(parts?.headers).toBeInstanceOf(Headers);
    expect(new Headers(parts?.headers).get('x-request-id')).toBe('r-1');
  });

  it('is undefined for any Response core did not build whole', () => {
    expect(wholeResponseParts(new Response('{}'))).toBeUndefined();
  });
});
