import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { createSync, memoryStore } from '@wg-sync/core';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressAdapter } from '../src/index.js';
import { nodeHttpHandler } from '../src/node-http/index.js';
import { listen } from './harness.js';

const API_TOKEN = 'adapter-test-api-token-0123456789';
const BEARER = `Authorization: Bearer ${API_TOKEN}\r\n`;

/** An engine with no upstream: every route below answers from config and an empty store. */
const engine = () =>
  createSync({
    withings: { clientId: 'client-id', clientSecret: 'client-secret-0123456789' },
    store: memoryStore(),
    apiToken: API_TOKEN,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });

/** One request as bytes; `close` ends the connection after its answer. */
const requestBytes = (method: string, path: string, headers = '', close = true) =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}${close ? 'Connection: close\r\n' : ''}\r\n`;

/** Writes `bytes` on a fresh connection and returns everything the server sent until it closed. */
async function exchange(base: string, bytes: string): Promise<Buffer> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
  await once(socket, 'connect');
  socket.end(bytes);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Answer {
  status: number;
  /** Name/value pairs as sent, names lowercased, sorted; `date` left out (it ticks). */
  headers: Array<[string, string]>;
  contentLength: string | undefined;
  body: Buffer;
  /** What the connection carried after this answer. */
  rest: Buffer;
}

/** Reads one answer off `bytes`: a HEAD's ends with its headers, a GET's after `Content-Length` bytes. */
function parse(bytes: Buffer, method: string): Answer {
  const end = bytes.indexOf('\r\n\r\n');
  expect(end, 'an answer head').toBeGreaterThan(0);
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const fields = lines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
  });
  const contentLength = fields.find(([name]) => name === 'content-length')?.[1];
  const start = end + 4;
  const length = method === 'HEAD' ? 0 : Number(contentLength);
  return {
    status: Number(statusLine.split(' ')[1]),
    headers: fields.filter(([name]) => name !== 'date').sort(([a], [b]) => a.localeCompare(b)),
    contentLength,
    body: bytes.subarray(start, start + length),
    rest: bytes.subarray(start + length),
  };
}

/** HEAD and GET on their own connections: HEAD sends no byte after its head, and the GET's headers. */
async function expectGetWithoutBody(base: string, path: string, headers = '') {
  const get = parse(await exchange(base, requestBytes('GET', path, headers)), 'GET');
  const head = parse(await exchange(base, requestBytes('HEAD', path, headers)), 'HEAD');
  expect(get.rest.length, 'GET body matches its Content-Length').toBe(0);
  expect(head.rest.length, 'HEAD body bytes').toBe(0);
  const withoutLength = (a: Answer) => a.headers.filter(([name]) => name !== 'content-length');
  expect([head.status, withoutLength(head)]).toEqual([get.status, withoutLength(get)]);
  // RFC 9110 §8.6: a HEAD may leave the length out, but must not announce another one.
  if (head.contentLength !== undefined) expect(head.contentLength).toBe(get.contentLength);
  return { status: get.status, headers: Object.fromEntries(get.headers), body: get.body.toString() };
}

const servers: Array<[string, (errors: unknown[]) => Server, string]> = [
  [
    'Express 5 (mounted at /wg)',
    (errors) => {
      const app = express();
      app.use('/wg', expressAdapter(engine(), { onError: (error) => void errors.push(error) }));
      return createServer(app);
    },
    '/wg',
  ],
  [
    'node:http (nodeHttpHandler)',
    (errors) => createServer(nodeHttpHandler(engine(), { onError: (error) => void errors.push(error) })),
    '',
  ],
];

describe.each(servers)(
  '%s over 127.0.0.1: HEAD gets the GET’s status and headers, no body bytes',
  (_name, make, prefix) => {
    it('every route and error answer', { timeout: 15_000 }, async () => {
      const errors: unknown[] = [];
      const base = await listen(make(errors));
      const answer = (path: string, headers = '') => expectGetWithoutBody(base, `${prefix}${path}`, headers);

      const health = await answer('/health');
      expect([health.status, health.body, health.headers['content-type']]).toEqual([
        200,
        '{"ok":true}',
        'application/json; charset=utf-8',
      ]);
      expect((await answer('/webhook/withings')).status).toBe(200); // Withings' check of the callback
      const unknown = await answer('/nowhere');
      expect([unknown.status, JSON.parse(unknown.body).error.code]).toEqual([404, 'NOT_FOUND']);
      const wrongMethod = await answer('/sync/manual');
      expect([wrongMethod.status, wrongMethod.headers.allow]).toEqual([405, 'POST']);
      const anonymous = await answer('/status');
      expect([anonymous.status, anonymous.headers['www-authenticate']]).toEqual([401, 'Bearer']);
      const status = await answer('/status', BEARER);
      expect([status.status, JSON.parse(status.body)]).toEqual([200, { accounts: [] }]);

      // On one kept-alive connection a stray body byte after the HEAD would be read as the next answer.
      const both = await exchange(
        base,
        requestBytes('HEAD', `${prefix}/health`, '', false) + requestBytes('GET', `${prefix}/health`),
      );
      const head = parse(both, 'HEAD');
      expect(head.rest.subarray(0, 9).toString()).toBe('HTTP/1.1 ');
      expect(parse(head.rest, 'GET').body.toString()).toBe('{"ok":true}');

      expect(errors).toEqual([]);
    });
  },
);
