import type { IncomingMessage, ServerResponse } from 'node:http';
import { endlessBody, startRawServer, within } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  GarminApiError,
  GarminClient,
  type GarminTokens,
  garminLogin,
  refreshGarminTokens,
} from '../src/index.js';
import { FAST_RETRY, failure } from './helpers.js';

/** A raw loopback server, closed when the test ends. */
const loopback = (handler: Parameters<typeof startRawServer>[0]) =>
  startRawServer(handler, { cleanup: onTestFinished });

const MiB = 1024 * 1024;
const TICKET = 'ST-0123456-AbCdEfGhIjKlMnOpQrSt-sso';

function tokens(expiresInMs: number): GarminTokens {
  return {
    accessToken: 'access-token-9e3f1d72c8',
    refreshToken: 'refresh-token-61b0a4e5d2',
    clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
    expiresAt: new Date(Date.now() + expiresInMs),
    domain: 'garmin.com',
  };
}

const hosts = (url: string) => ({ sso: url, diauth: url, connectapi: url });

const client = (url: string, expiresInMs: number, maxResponseBytes?: number) =>
  new GarminClient({
    tokens: tokens(expiresInMs),
    urls: hosts(url),
    retry: FAST_RETRY,
    timeoutMs: 3000,
    ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
  });

/** A socialProfile answer padded with JSON whitespace to exactly `size` bytes; the name is not ASCII. */
function profileBody(size: number): Buffer {
  const bytes = Buffer.from(JSON.stringify({ displayName: 'zoë.garmin ✓', profileId: 1 }), 'utf8');
  return Buffer.concat([bytes, Buffer.alloc(size - bytes.length, ' ')]);
}

describe('a Garmin response body is read up to maxResponseBytes, never further', () => {
  const endlessOn: Array<[string, (url: string) => Promise<unknown>, RegExp]> = [
    [
      'GarminClient.verifySession (a read, retries on)',
      (url) => client(url, 3_600_000, MiB).verifySession(),
      /^GET \/userprofile-service\/socialProfile:/,
    ],
    [
      'the GarminClient’s token refresh',
      (url) => client(url, 60_000, MiB).verifySession(),
      /^POST \/di-oauth2-service\/oauth\/token:/,
    ],
    [
      'the ticket exchange inside garminLogin',
      (url) =>
        garminLogin({
          email: 'user@example.com',
          password: 'pw-1234',
          urls: hosts(url),
          maxResponseBytes: MiB,
        }),
      /^POST \/di-oauth2-service\/oauth\/token:/,
    ],
  ];

  it.each(endlessOn)(
    'an endless body without Content-Length on %s: UPSTREAM, the socket is dropped early',
    async (_name, call, where) => {
      const { handler, endless } = endlessBody();
      // The SSO sign-in answers normally, so garminLogin gets as far as the exchange.
      const api = await loopback((req: IncomingMessage, res: ServerResponse) => {
        if (req.url?.startsWith('/mobile/sso/en/sign-in')) return void res.end('<html></html>');
        if (!req.url?.startsWith('/mobile/api/login')) return handler(req, res);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ serviceTicketId: TICKET, responseStatus: { type: 'SUCCESSFUL' } }));
      });
      const started = Date.now();
      const error = await failure(call(api.url));

      expect(error).toBeInstanceOf(GarminApiError);
      expect(error.code).toBe('UPSTREAM');
      expect(error.status).toBe(200);
      expect(error.message).toMatch(where);
      expect(error.message).toMatch(
        /: response body is over 1 MiB \(HTTP 200\); the connection was dropped$/,
      );
      await within(endless.socketClosed, 2000, 'the server socket closing');
      expect(endless.written()).toBeLessThan(64 * MiB);
      expect(Date.now() - started).toBeLessThan(2500);
      // Never retried: one request to the endless endpoint.
      expect(api.requests.filter((r) => !r.path.startsWith('/mobile/'))).toHaveLength(1);
    },
    5000,
  );

  it('a declared Content-Length over the cap fails at once, without waiting for the body', async () => {
    let socketClosed: Promise<void> = Promise.resolve();
    const api = await loopback((req, res) => {
      socketClosed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      // Promises 2 MiB, sends 64 KiB, then stalls: only a client that trusts the header fails fast;
      // one that reads the body would sit here until its timeout.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * MiB) });
      res.write(Buffer.alloc(64 * 1024, ' '));
    });
    const started = Date.now();
    const error = await failure(client(api.url, 3_600_000, MiB).verifySession());

    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toBe(
      'GET /userprofile-service/socialProfile: response body is over 1 MiB (HTTP 200); the connection was dropped',
    );
    expect(Date.now() - started).toBeLessThan(1000);
    await within(socketClosed, 2000, 'the server socket closing');
    expect(api.requests).toHaveLength(1);
  }, 5000);

  it.each([
    ['with', true],
    ['without', false],
  ])(
    'a body of exactly the cap (%s Content-Length) parses; one byte more does not',
    async (_name, declare) => {
      const body = profileBody(MiB);
      let send = body;
      const api = await loopback((_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(declare ? { 'content-length': String(send.length) } : {}),
        });
        // 1000-byte writes: chunks end in the middle of 'ë' and '✓' when the padding shifts them.
        for (let at = 0; at < send.length; at += 1000) res.write(send.subarray(at, at + 1000));
        res.end();
      });
      await expect(client(api.url, 3_600_000, MiB).verifySession()).resolves.toEqual({
        displayName: 'zoë.garmin ✓',
      });

      send = Buffer.concat([body, Buffer.from(' ')]);
      const error = await failure(client(api.url, 3_600_000, MiB).verifySession());
      expect(error.message).toMatch(/: response body is over 1 MiB \(HTTP 200\)/);
    },
  );

  it('defaults to 5 MiB', async () => {
    const api = await loopback((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(profileBody(5 * MiB + 1));
    });
    const error = await failure(client(api.url, 3_600_000).verifySession());
    expect(error.message).toMatch(/: response body is over 5 MiB \(HTTP 200\)/);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'maxResponseBytes %s is a RangeError before anything is sent',
    async (maxResponseBytes) => {
      const api = await loopback((_req, res) => res.end('{}'));
      const message = 'maxResponseBytes must be a positive whole number of bytes';
      expect(() => client(api.url, 3_600_000, maxResponseBytes)).toThrow(new RangeError(message));
      await expect(
        refreshGarminTokens(tokens(0), { urls: hosts(api.url), maxResponseBytes }),
      ).rejects.toThrow(new RangeError(message));
      await expect(
        garminLogin({
          email: 'user@example.com',
          password: 'pw-1234',
          urls: hosts(api.url),
          maxResponseBytes,
        }),
      ).rejects.toThrow(new RangeError(message));
      expect(api.requests).toHaveLength(0);
    },
  );
});
