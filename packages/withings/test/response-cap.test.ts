import { endlessBody, startRawServer, within } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  WithingsClient,
  type WithingsTokens,
  withingsOAuth,
} from '../src/index.js';
import { failure } from './helpers.js';

/** A raw loopback server, closed when the test ends. */
const loopback = (handler: Parameters<typeof startRawServer>[0]) =>
  startRawServer(handler, { cleanup: onTestFinished });

const MiB = 1024 * 1024;

function tokens(expiresInMs: number): WithingsTokens {
  return {
    userId: '37012345',
    accessToken: 'access-token-3a9e77f1b4',
    refreshToken: 'refresh-token-8d2b41c6e0',
    expiresAt: new Date(Date.now() + expiresInMs),
    scope: ['user.metrics'],
  };
}

const client = (baseUrl: string, expiresInMs: number, extra: { maxResponseBytes?: number } = {}) =>
  new WithingsClient({
    clientId: 'c',
    clientSecret: 'client-secret-5f0c9a7e21',
    tokens: tokens(expiresInMs),
    baseUrl,
    timeoutMs: 3000,
    ...extra,
  });

/** A getmeas answer padded with JSON whitespace to exactly `size` bytes; the time zone is not ASCII. */
function getmeasBody(size: number): Buffer {
  const json = JSON.stringify({
    status: 0,
    body: { updatetime: 1_763_620_000, timezone: 'Europe/Zürich ✓', measuregrps: [], more: 0, offset: 0 },
  });
  const bytes = Buffer.from(json, 'utf8');
  return Buffer.concat([bytes, Buffer.alloc(size - bytes.length, ' ')]);
}

describe('a Withings response body is read up to maxResponseBytes, never further', () => {
  it('defaults to 5 MiB', () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(5 * MiB);
  });

  it.each([
    ['client.getMeasures', 3_600_000],
    ['the client’s token refresh', 60_000],
  ])(
    'an endless body without Content-Length on %s: UPSTREAM, the socket is dropped early',
    async (_name, expiresInMs) => {
      const { handler, endless } = endlessBody();
      const api = await loopback(handler);
      const started = Date.now();
      const error = await failure(client(api.url, expiresInMs, { maxResponseBytes: MiB }).getMeasures());

      expect(error.code).toBe('UPSTREAM');
      expect(error.message).toMatch(
        /^Withings \/(measure getmeas|v2\/oauth2 requesttoken): response body is over 1 MiB$/,
      );
      await within(endless.socketClosed, 2000, 'the server socket closing');
      expect(endless.written()).toBeLessThan(64 * MiB);
      expect(Date.now() - started).toBeLessThan(2500);
      expect(api.requests).toHaveLength(1);
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
    const error = await failure(client(api.url, 3_600_000, { maxResponseBytes: MiB }).getMeasures());

    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toBe('Withings /measure getmeas: response body is over 1 MiB');
    expect(Date.now() - started).toBeLessThan(1000);
    await within(socketClosed, 2000, 'the server socket closing');
  }, 5000);

  it.each([
    ['with', true],
    ['without', false],
  ])(
    'a body of exactly the cap (%s Content-Length) parses; one byte more does not',
    async (_name, declare) => {
      const body = getmeasBody(MiB);
      let send = body;
      const api = await loopback((_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(declare ? { 'content-length': String(send.length) } : {}),
        });
        // 1000-byte writes: chunks end in the middle of 'ü' and '✓' when the padding shifts them.
        for (let at = 0; at < send.length; at += 1000) res.write(send.subarray(at, at + 1000));
        res.end();
      });
      const result = await client(api.url, 3_600_000, { maxResponseBytes: MiB }).getMeasures();
      expect(result.timeZone).toBe('Europe/Zürich ✓');

      send = Buffer.concat([body, Buffer.from(' ')]);
      const error = await failure(client(api.url, 3_600_000, { maxResponseBytes: MiB }).getMeasures());
      expect(error.message).toBe('Withings /measure getmeas: response body is over 1 MiB');
    },
  );

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'maxResponseBytes %s is INVALID_PARAMS before anything is sent',
    async (maxResponseBytes) => {
      const api = await loopback((_req, res) => res.end('{}'));
      expect(() => client(api.url, 3_600_000, { maxResponseBytes })).toThrow(
        expect.objectContaining({ code: 'INVALID_PARAMS' }),
      );
      const error = await failure(
        withingsOAuth.refreshTokens({
          clientId: 'c',
          clientSecret: 's',
          refreshToken: 'r',
          baseUrl: api.url,
          maxResponseBytes,
        }),
      );
      expect(error.code).toBe('INVALID_PARAMS');
      expect(error.message).toBe('maxResponseBytes must be a positive whole number of bytes');
      expect(api.requests).toHaveLength(0);
    },
  );
});
