import { inspect } from 'node:util';
import { startRawServer } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WithingsClient, type WithingsTokens, withingsOAuth } from '../src/index.js';
import { failure } from './helpers.js';

/** A raw loopback server, closed when the test ends. */
const loopback = (handler: Parameters<typeof startRawServer>[0]) =>
  startRawServer(handler, { cleanup: onTestFinished });

const CLIENT_SECRET = 'client-secret-5f0c9a7e21';
const REFRESH_TOKEN = 'refresh-token-8d2b41c6e0';
const ACCESS_TOKEN = 'access-token-3a9e77f1b4';
const CODE = 'auth-code-71c0d9e2aa';

function tokens(expiresInMs: number): WithingsTokens {
  return {
    userId: '37012345',
    accessToken: ACCESS_TOKEN,
    refreshToken: REFRESH_TOKEN,
    expiresAt: new Date(Date.now() + expiresInMs),
    scope: ['user.metrics'],
  };
}

/** The API answers every request with `status` and a Location pointing at a second loopback server. */
async function redirectingApi(status: number) {
  // Anything reaching the target got the form re-sent: it answers a valid token so a client that
  // follows would even "succeed".
  const target = await loopback((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: 0,
        body: { userid: 37012345, access_token: 'a', refresh_token: 'r', expires_in: 10800, scope: '' },
      }),
    );
  });
  const location = `${target.url}/steal?next=/v2/oauth2`;
  const api = await loopback((_req, res) => {
    res.writeHead(status, { location, 'content-type': 'text/html' });
    res.end(`<a href="${location}">moved</a>`);
  });
  return { api, target, location };
}

const calls = {
  'withingsOAuth.exchangeCode': (baseUrl: string) =>
    withingsOAuth.exchangeCode({
      clientId: 'c',
      clientSecret: CLIENT_SECRET,
      code: CODE,
      redirectUri: 'https://sync.example.org/cb',
      baseUrl,
    }),
  'withingsOAuth.refreshTokens': (baseUrl: string) =>
    withingsOAuth.refreshTokens({
      clientId: 'c',
      clientSecret: CLIENT_SECRET,
      refreshToken: REFRESH_TOKEN,
      baseUrl,
    }),
  'client.getMeasures (fresh tokens)': (baseUrl: string) =>
    new WithingsClient({
      clientId: 'c',
      clientSecret: CLIENT_SECRET,
      tokens: tokens(3_600_000),
      baseUrl,
    }).getMeasures(),
  'client.notify.list (fresh tokens)': (baseUrl: string) =>
    new WithingsClient({
      clientId: 'c',
      clientSecret: CLIENT_SECRET,
      tokens: tokens(3_600_000),
      baseUrl,
    }).notify.list(),
  'client.getMeasures (expiring tokens: the refresh is redirected)': (baseUrl: string) =>
    new WithingsClient({
      clientId: 'c',
      clientSecret: CLIENT_SECRET,
      tokens: tokens(60_000),
      baseUrl,
    }).getMeasures(),
} as const;

describe('a redirect from Withings is an UPSTREAM error and is never followed', () => {
  const cases = [302, 307, 308].flatMap((status) =>
    Object.keys(calls).map((name) => [status, name as keyof typeof calls] as const),
  );

  it.each(cases)('HTTP %i on %s', async (status, name) => {
    const { api, target, location } = await redirectingApi(status);
    const error = await failure(calls[name](api.url));

    expect(error.code).toBe('UPSTREAM');
    expect(error.httpStatus).toBe(status);
    expect(error.message).toMatch(
      new RegExp(`: unexpected redirect \\(HTTP ${status}\\); wg-sync never follows redirects$`),
    );
    expect(api.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
    const everything = [error.message, JSON.stringify(error), inspect(error, { depth: 5 })].join('\n');
    expect(everything).not.toContain(target.url);
    expect(everything).not.toContain(location);
    for (const secret of [CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN, CODE]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('asks fetch not to follow, and an opaque redirect (status 0) is UPSTREAM without httpStatus', async () => {
    const seen: RequestInit[] = [];
    const opaque: typeof fetch = async (_input, init) => {
      seen.push(init ?? {});
      // What browsers (and some fetch implementations) return for a 3xx under redirect: 'manual'.
      const response = new Response(null);
      Object.defineProperty(response, 'type', { value: 'opaqueredirect' });
      Object.defineProperty(response, 'status', { value: 0 });
      Object.defineProperty(response, 'ok', { value: false });
      return response;
    };
    const error = await failure(
      withingsOAuth.refreshTokens({
        clientId: 'c',
        clientSecret: CLIENT_SECRET,
        refreshToken: REFRESH_TOKEN,
        fetch: opaque,
      }),
    );
    expect(seen.map((init) => init.redirect)).toEqual(['manual']);
    expect(error.code).toBe('UPSTREAM');
    expect(error.httpStatus).toBeUndefined();
    expect(error.message).toBe(
      'Withings /v2/oauth2 requesttoken: unexpected redirect (opaque redirect); wg-sync never follows redirects',
    );
  });
});
