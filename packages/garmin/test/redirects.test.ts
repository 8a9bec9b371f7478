import { inspect } from 'node:util';
import { startRawServer } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  exchangeServiceTicket,
  GarminApiError,
  GarminClient,
  type GarminTokens,
  garminLogin,
  garminServiceUrl,
  refreshGarminTokens,
} from '../src/index.js';
import { FAST_RETRY, failure } from './helpers.js';

/** A raw loopback server, closed when the test ends. */
const loopback = (handler: Parameters<typeof startRawServer>[0]) =>
  startRawServer(handler, { cleanup: onTestFinished });

const PASSWORD = 'pa55word-4c1e9b0f7a';
const TICKET = 'ST-0123456-AbCdEfGhIjKlMnOpQrSt-sso';
const ACCESS_TOKEN = 'access-token-9e3f1d72c8';
const REFRESH_TOKEN = 'refresh-token-61b0a4e5d2';

function tokens(expiresInMs: number): GarminTokens {
  return {
    accessToken: ACCESS_TOKEN,
    refreshToken: REFRESH_TOKEN,
    clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
    expiresAt: new Date(Date.now() + expiresInMs),
    domain: 'garmin.com',
  };
}

/**
 * Every Garmin host answers `status` with a Location on a second loopback server. The SSO answer
 * even carries a success-shaped JSON body: a client that judged it by its body would log in.
 */
async function redirectingGarmin(status: number) {
  const target = await loopback((_req, res) => res.end('{}'));
  const location = `${target.url}/steal?from=garmin`;
  const api = await loopback((req, res) => {
    res.writeHead(status, { location, 'content-type': 'application/json' });
    res.end(
      req.url?.startsWith('/mobile/api/login')
        ? JSON.stringify({ serviceTicketId: TICKET, responseStatus: { type: 'SUCCESSFUL' } })
        : JSON.stringify({ error: 'moved', message: `see ${location}` }),
    );
  });
  const urls = { sso: api.url, diauth: api.url, connectapi: api.url };
  return { api, target, location, urls };
}

type Urls = Awaited<ReturnType<typeof redirectingGarmin>>['urls'];
type Debug = (line: string) => void;

const calls: Record<string, (urls: Urls, debug: Debug) => Promise<unknown>> = {
  garminLogin: (urls, debug) => garminLogin({ email: 'user@example.com', password: PASSWORD, urls, debug }),
  exchangeServiceTicket: (urls, debug) =>
    exchangeServiceTicket(TICKET, { serviceUrl: garminServiceUrl(), urls, debug }),
  refreshGarminTokens: (urls, debug) => refreshGarminTokens(tokens(3_600_000), { urls, debug }),
  'GarminClient.verifySession (a read, retries on)': (urls, debug) =>
    new GarminClient({ tokens: tokens(3_600_000), urls, debug, retry: FAST_RETRY }).verifySession(),
  'GarminClient.listWeighIns (expiring tokens: the refresh is redirected)': (urls, debug) =>
    new GarminClient({ tokens: tokens(60_000), urls, debug, retry: FAST_RETRY }).listWeighIns({
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-20T00:00:00Z'),
    }),
};

describe('a redirect from Garmin is an UPSTREAM error, never followed and never retried', () => {
  const cases = [302, 307, 308].flatMap((status) =>
    Object.keys(calls).map((name) => [status, name] as const),
  );

  it.each(cases)('HTTP %i on %s', async (status, name) => {
    const { api, target, location, urls } = await redirectingGarmin(status);
    const lines: string[] = [];
    const error = await failure((calls[name] as (typeof calls)[string])(urls, (line) => lines.push(line)));

    expect(error).toBeInstanceOf(GarminApiError);
    expect(error.code).toBe('UPSTREAM');
    expect(error.status).toBe(status);
    expect(error.message).toMatch(
      new RegExp(
        `^(POST|GET) /\\S+ answered an unexpected redirect \\(HTTP ${status}\\); wg-sync never follows redirects$`,
      ),
    );
    // One request: not followed, not retried, not re-sent with another DI client id.
    expect(api.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
    const everything = [error.message, JSON.stringify(error), inspect(error, { depth: 5 }), ...lines].join(
      '\n',
    );
    expect(everything).not.toContain(target.url);
    expect(everything).not.toContain(location);
    for (const secret of [PASSWORD, TICKET, ACCESS_TOKEN, REFRESH_TOKEN]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('asks fetch not to follow, and an opaque redirect (status 0) is UPSTREAM without a status', async () => {
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
    const error = await failure(refreshGarminTokens(tokens(3_600_000), { fetch: opaque }));
    expect(seen.map((init) => init.redirect)).toEqual(['manual']);
    expect(error.code).toBe('UPSTREAM');
    expect(error.status).toBeUndefined();
    expect(error.message).toBe(
      'POST /di-oauth2-service/oauth/token answered an unexpected redirect (an opaque redirect); wg-sync never follows redirects',
    );
  });
});
