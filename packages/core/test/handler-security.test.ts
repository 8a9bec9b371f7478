import { describe, expect, it } from 'vitest';
import { memoryStore, type StateStore, type Sync } from '../src/index.js';
import { type Harness, type HarnessOptions, harness, notificationRequest } from './harness.js';

const API_TOKEN = 'api-token-0123456789abcdef';
const req = (path: string, init: RequestInit = {}) => new Request(`http://wg-sync.local${path}`, init);
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** A store whose reads fail the way a missing DynamoDB table does: the message names the resource. */
function brokenStore(): StateStore {
  const inner = memoryStore();
  const broken = Object.create(inner) as StateStore;
  broken.get = async () => {
    throw Object.assign(
      new Error('Requested resource not found: arn:aws:dynamodb:eu-west-1:123456789012:table/wg-sync-state'),
      { code: 'STORE_UNAVAILABLE' },
    );
  };
  broken.list = broken.get as never;
  // Listings go through listPage when a store has it (accounts a page at a time).
  broken.listPage = broken.get as never;
  return broken;
}

/** A linked harness and a second engine on a broken store; `webhook()` is a notification for its user. */
async function onBrokenStore(
  options?: HarnessOptions,
): Promise<{ h: Harness; sync: Sync; webhook(): Request }> {
  const h = await harness(options);
  const sync = h.another({ store: brokenStore() });
  return { h, sync, webhook: () => notificationRequest(`userid=${h.userId}&appli=1&startdate=1&enddate=2`) };
}

describe('answers to anonymous callers carry no internal detail', () => {
  it('a failing store on the webhook: generic 500 with a request id; the detail is in the log', async () => {
    const { h, sync, webhook } = await onBrokenStore();
    const response = await sync.handler(webhook(), { requestId: 'req-4242' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'INTERNAL', message: 'internal error', requestId: 'req-4242' },
    });
    expect(response.headers.get('x-request-id')).toBe('req-4242');
    expect(text).not.toMatch(/arn:|123456789012|wg-sync-state|STORE_UNAVAILABLE/);
    const line = h.logs.find((l) => l.includes('handler.failed') && l.includes('req-4242')) ?? '';
    expect(line).toContain('arn:aws:dynamodb');
  });

  it('without a platform id, every 500 gets a fresh request id that is also logged', async () => {
    const { h, sync, webhook } = await onBrokenStore();
    const answer = async () => (await sync.handler(webhook())).json();
    const [a, b] = [await answer(), await answer()];
    expect(a.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.error.requestId).not.toBe(b.error.requestId);
    expect(h.logs.some((l) => l.includes(a.error.requestId))).toBe(true);
  });

  it('an adapter’s request id that is not plainly an id is replaced, never echoed', async () => {
    const { sync, webhook } = await onBrokenStore();
    const response = await sync.handler(webhook(), { requestId: 'x\r\nset-cookie: a=b' });
    const { error } = await response.json();
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-request-id')).toBe(error.requestId);
  });

  it('a bearer-authenticated caller still gets the (redacted) detail', async () => {
    const { sync } = await onBrokenStore({ config: { apiToken: API_TOKEN } });
    const response = await sync.handler(req('/status', bearer(API_TOKEN)));
    expect(response.status).toBe(500);
    const { error } = await response.json();
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('wg-sync-state');
    expect(error.requestId).toBeDefined();
  });

  it('/health says ok and nothing else', async () => {
    const h = await harness({ config: { apiToken: API_TOKEN } });
    const response = await h.sync.handler(req('/health'));
    expect(await response.text()).toBe('{"ok":true}');
  });
});

describe('failed bearer attempts are logged without the attempt and throttled per source', () => {
  it('after 10 failures a source gets 429 (even with the right token); other sources do not', async () => {
    const h = await harness({ config: { apiToken: API_TOKEN } });
    const attacker = { clientAddress: '203.0.113.9' };
    for (let i = 0; i < 10; i += 1) {
      const guess = `guess-${i}-0123456789abcdef`;
      const answer = await h.sync.handler(req('/status', bearer(guess)), attacker);
      expect(answer.status).toBe(401);
    }
    const blocked = await h.sync.handler(req('/status', bearer(API_TOKEN)), attacker);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(
      (await h.sync.handler(req('/status', bearer(API_TOKEN)), { clientAddress: '198.51.100.7' })).status,
    ).toBe(200);
    const failures = h.logs.filter((l) => l.includes('"auth.failed"'));
    expect(failures).toHaveLength(10);
    expect(JSON.parse(failures[9] ?? '{}')).toMatchObject({
      level: 'warn',
      source: '203.0.113.9',
      path: '/status',
      failures: 10,
    });
    expect(h.logs.join('\n')).not.toMatch(/guess-\d/);
  });

  it('a source that stops guessing may try again once its window is over', async () => {
    let clock = Date.now();
    const h = await harness({ config: { apiToken: API_TOKEN, now: () => new Date(clock) } });
    const source = { clientAddress: '192.0.2.1' };
    for (let i = 0; i < 10; i += 1) await h.sync.handler(req('/sync/manual', { method: 'POST' }), source);
    expect((await h.sync.handler(req('/status', bearer(API_TOKEN)), source)).status).toBe(429);
    clock += 5 * 60_000;
    expect((await h.sync.handler(req('/status', bearer(API_TOKEN)), source)).status).toBe(200);
  });
});
