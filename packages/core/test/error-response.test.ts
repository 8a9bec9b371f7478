import { describe, expect, it } from 'vitest';
import { errorResponse, jsonResponse } from '../src/index.js';

describe('errorResponse, the one error answer of core and both adapters', () => {
  it('is {"error":{"code","message"}} with the JSON, no-store headers', async () => {
    const answer = errorResponse(404, 'NOT_FOUND', 'no such route');
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-request-id')).toBeNull();
    expect(await answer.text()).toBe('{"error":{"code":"NOT_FOUND","message":"no such route"}}');
  });

  it('carries a request id in the body and in x-request-id, next to extra headers', async () => {
    const answer = errorResponse(500, 'INTERNAL', 'internal error', {
      requestId: 'req-1',
      headers: { connection: 'close' },
    });
    expect(answer.headers.get('x-request-id')).toBe('req-1');
    expect(answer.headers.get('connection')).toBe('close');
    expect(await answer.json()).toEqual({
      error: { code: 'INTERNAL', message: 'internal error', requestId: 'req-1' },
    });
  });

  it('jsonResponse sends any body with the same headers', async () => {
    const answer = jsonResponse({ ok: false }, 503);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await answer.json()).toEqual({ ok: false });
  });
});
