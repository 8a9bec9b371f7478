import { describe, expect, it } from 'vitest';
import { ConfigError, createSync, memoryStore, type StateStore, type SyncConfig } from '../src/index.js';

const API_TOKEN = 'api-token-0123456789abcdef';
const SECRET = 'hook-secret-7f3a9c1e5b2d8f4a';
const NOW = new Date('2025-03-10T06:42:18Z');

/** An engine with no upstream: every route below answers from config and store alone. */
function engine(config: Partial<SyncConfig> = {}) {
  const logs: string[] = [];
  const line = (level: string) => (event: string, fields?: object) =>
    void logs.push(JSON.stringify({ level, event, ...fields }));
  const store = config.store ?? memoryStore();
  const sync = createSync({
    withings: { clientId: 'client-id', clientSecret: 'client-secret-0123456789' },
    // A fixed clock: the 429's Retry-After is then the same for the GET and the HEAD.
    now: () => NOW,
    logger: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
    ...config,
    store,
  });
  return { sync, store, logs };
}

type Engine = ReturnType<typeof engine>;
/** The same request id for both: core echoes it in `x-request-id` on a 500. */
const ctx = { requestId: 'req-head-0001', clientAddress: '203.0.113.7' };

/** GET then HEAD on `path`: what each answered, headers sorted by name. */
async function getThenHead({ sync }: Engine, path: string, headers: Record<string, string> = {}) {
  const answer = async (method: string) => {
    const response = await sync.handler(new Request(`http://wg-sync.local${path}`, { method, headers }), ctx);
    return {
      status: response.status,
      headers: [...response.headers].sort(([a], [b]) => a.localeCompare(b)),
      hasBody: response.body !== null,
      text: await response.text(),
    };
  };
  return { get: await answer('GET'), head: await answer('HEAD') };
}

/** The HEAD answered exactly what the GET did, minus the body; returns the GET for route checks. */
function expectGetWithoutBody({ get, head }: Awaited<ReturnType<typeof getThenHead>>) {
  expect({ status: head.status, headers: head.headers }).toEqual({
    status: get.status,
    headers: get.headers,
  });
  expect(head.hasBody).toBe(false);
  expect(head.text).toBe('');
  return get;
}

describe('HEAD answers the status and headers a GET would, with no body', () => {
  it('/health: 200 JSON headers, not {"ok":true}', async () => {
    const get = expectGetWithoutBody(await getThenHead(engine(), '/health'));
    expect(get.status).toBe(200);
    expect(get.text).toBe('{"ok":true}');
    expect(Object.fromEntries(get.headers)).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
  });

  it('the webhook route still answers Withings’ HEAD check 200 empty, with and without a secret path', async () => {
    for (const [config, path] of [
      [{}, '/webhook/withings'],
      [{ webhookSecret: SECRET }, `/webhook/withings/${SECRET}`],
    ] as const) {
      const e = engine(config);
      const get = expectGetWithoutBody(await getThenHead(e, path));
      expect([get.status, get.text]).toEqual([200, '']);
      // The check costs nothing: nothing stored, nothing logged.
      expect(await e.store.list('')).toEqual([]);
      expect(e.logs).toEqual([]);
    }
  });

  it('404s: unknown path, the open webhook path once a secret is set, admin routes without an apiToken', async () => {
    const cases: Array<[Partial<SyncConfig>, string]> = [
      [{}, '/nowhere'],
      [{ webhookSecret: SECRET }, '/webhook/withings'],
      [{ webhookSecret: SECRET }, '/webhook/withings/wrong-secret-000000'],
      [{}, '/status'],
      [{}, '/sync/manual'],
    ];
    for (const [config, path] of cases) {
      const get = expectGetWithoutBody(await getThenHead(engine(config), path));
      expect([path, get.status, JSON.parse(get.text).error.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
  });

  it('405 keeps its Allow header; a POST-only route is 405 for HEAD as for GET', async () => {
    const get = expectGetWithoutBody(await getThenHead(engine({ apiToken: API_TOKEN }), '/sync/manual'));
    expect([get.status, Object.fromEntries(get.headers).allow]).toEqual([405, 'POST']);
  });

  it('/status is HEAD-able like GET: 401 with WWW-Authenticate, then 429 with Retry-After, 200 with the token', async () => {
    const e = engine({ apiToken: API_TOKEN });
    const denied = expectGetWithoutBody(await getThenHead(e, '/status'));
    expect([denied.status, Object.fromEntries(denied.headers)['www-authenticate']]).toEqual([401, 'Bearer']);

    const ok = expectGetWithoutBody(
      await getThenHead(e, '/status', { authorization: `Bearer ${API_TOKEN}` }),
    );
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { accounts: [] }]);

    // Ten failures from this source (two above) lock it out, the right token included.
    for (let i = 0; i < 8; i++)
      await e.sync.handler(new Request('http://wg-sync.local/status', { method: 'HEAD' }), ctx);
    const limited = expectGetWithoutBody(
      await getThenHead(e, '/status', { authorization: `Bearer ${API_TOKEN}` }),
    );
    expect([limited.status, JSON.parse(limited.text).error.code]).toEqual([429, 'TOO_MANY_ATTEMPTS']);
    expect(Number(Object.fromEntries(limited.headers)['retry-after'])).toBeGreaterThan(0);
  });

  it('a config error surfacing as a 500 (INVALID_CONFIG to a bearer caller) keeps its headers, drops its JSON', async () => {
    const misconfigured = async (): Promise<never> => {
      throw new ConfigError(['the store is misconfigured']);
    };
    // Listings go through listPage when a store has it (accounts a page at a time), list otherwise.
    const broken: StateStore = { ...memoryStore(), list: misconfigured, listPage: misconfigured };
    const e = engine({ apiToken: API_TOKEN, store: broken });
    const get = expectGetWithoutBody(
      await getThenHead(e, '/status', { authorization: `Bearer ${API_TOKEN}` }),
    );
    expect(get.status).toBe(500);
    expect(JSON.parse(get.text).error).toMatchObject({ code: 'INVALID_CONFIG', requestId: ctx.requestId });
    expect(Object.fromEntries(get.headers)['x-request-id']).toBe(ctx.requestId);
  });
});
