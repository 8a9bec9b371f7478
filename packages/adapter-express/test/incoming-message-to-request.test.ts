import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { incomingMessageToRequest, PayloadTooLargeError } from '../src/node-http/index.js';
import { listen } from './harness.js';

type Convert = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

/**
 * A plain node:http server (no Express) whose handler converts each request with `convert` and
 * answers what it returned as JSON, or the error it threw as `{ error: { name, code, message } }`.
 */
async function serve(convert: Convert): Promise<string> {
  const server = createServer((req, res) => {
    convert(req, res).then(
      (value) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value)),
      (error: Error & { code?: string }) =>
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { name: error.name, code: error.code, message: error.message } })),
    );
  });
  return listen(server);
}

/** Sends a request with node:http, so headers can repeat and the body can be chunked or withheld. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; chunks?: string[] },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      timeout: 5000,
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

const describeRequest = async (request: Request) => ({
  url: request.url,
  method: request.method,
  headers: Object.fromEntries(request.headers),
  body: request.body === null ? null : await request.text(),
});

/** Reads the whole stream the way a body parser does, then leaves `body` behind on `req`. */
async function parseFirst(req: IncomingMessage, parse: (raw: Buffer) => unknown) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  (req as IncomingMessage & { body?: unknown }).body = parse(Buffer.concat(chunks));
}

describe('incomingMessageToRequest', { timeout: 10_000 }, () => {
  it('builds an absolute URL from a well-formed Host, keeps the path and query, ignores X-Forwarded-*', async () => {
    const url = await serve(async (req, res) => describeRequest(incomingMessageToRequest(req, { res })));
    const { port } = new URL(url);
    const answer = await send(`${url}/webhook/withings?a=1&b=two%20words`, {
      headers: { host: `example.org:${port}`, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test' },
    });
    expect(JSON.parse(answer.body)).toMatchObject({
      url: `http://example.org:${port}/webhook/withings?a=1&b=two%20words`,
      method: 'GET',
      body: null,
    });
  });

  it('falls back to the socket address when Host could change the URL, and never lets the target pick the host', async () => {
    const url = await serve(
      async (req, res) => (await describeRequest(incomingMessageToRequest(req, { res }))).url,
    );
    const { port } = new URL(url);
    for (const host of ['evil.test/x?', 'a b', 'evil.test@other', '']) {
      const answer = await send(`${url}/health`, { headers: { host } });
      expect(JSON.parse(answer.body)).toBe(`http://127.0.0.1:${port}/health`);
    }
    // A target starting with '//' stays a path on our origin.
    const doubled = await send(`${url}//evil.test/health`, { headers: { host: 'wg.example' } });
    expect(new URL(JSON.parse(doubled.body)).host).toBe('wg.example');
  });

  it('uses X-Forwarded-Proto and X-Forwarded-Host only with trustProxy, and only when well formed', async () => {
    const url = await serve(
      async (req, res) => incomingMessageToRequest(req, { res, trustProxy: true, url: '/health?x=1' }).url,
    );
    const trusted = await send(`${url}/ignored`, {
      headers: {
        host: 'internal:8080',
        'x-forwarded-proto': 'https, http',
        'x-forwarded-host': 'sync.example.org',
      },
    });
    expect(JSON.parse(trusted.body)).toBe('https://sync.example.org/health?x=1');
    const garbage = await send(`${url}/ignored`, {
      headers: { host: 'internal:8080', 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'a/b' },
    });
    expect(JSON.parse(garbage.body)).toBe('http://internal:8080/health?x=1');
  });

  it('passes every header, repeated ones included, and joins cookies with "; "', async () => {
    const url = await serve(async (req, res) => {
      const request = incomingMessageToRequest(req, { res });
      return {
        multi: request.headers.get('x-multi'),
        cookie: request.headers.get('cookie'),
        all: [...request.headers],
      };
    });
    const answer = JSON.parse(
      (
        await send(`${url}/status`, {
          headers: {
            'x-multi': ['one', 'two'],
            cookie: ['a=1', 'b=2'],
            authorization: 'Bearer abcdefghijklmnop',
          },
        })
      ).body,
    );
    expect(answer.multi).toBe('one, two');
    expect(answer.cookie).toBe('a=1; b=2');
    expect(answer.all).toContainEqual(['authorization', 'Bearer abcdefghijklmnop']);
  });

  it('streams the body of a POST, with and without Content-Length', async () => {
    const url = await serve(async (req, res) => describeRequest(incomingMessageToRequest(req, { res })));
    const fixed = await send(`${url}/webhook/withings`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '15' },
      chunks: ['userid=1&appli='],
    });
    expect(JSON.parse(fixed.body)).toMatchObject({ method: 'POST', body: 'userid=1&appli=' });
    const chunked = await send(`${url}/webhook/withings`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      chunks: ['part one, ', 'part two, ', 'part three'],
    });
    expect(JSON.parse(chunked.body)).toMatchObject({ body: 'part one, part two, part three' });
    expect(JSON.parse(chunked.body).headers['transfer-encoding']).toBe('chunked');
  });

  it('gives HEAD and GET no body, even when one was sent', async () => {
    const seen: Array<{ method: string; body: unknown }> = [];
    const url = await serve(async (req, res) => {
      const request = incomingMessageToRequest(req, { res });
      seen.push({ method: request.method, body: request.body });
      return null;
    });
    await send(`${url}/webhook/withings`, { method: 'HEAD' });
    await send(`${url}/webhook/withings`, {
      method: 'GET',
      headers: { 'content-length': '4' },
      chunks: ['body'],
    });
    expect(seen).toEqual([
      { method: 'HEAD', body: null },
      { method: 'GET', body: null },
    ]);
  });

  describe('a body a parser already read', () => {
    const cases: Array<{
      name: string;
      type: string;
      raw: string;
      parse: (raw: Buffer) => unknown;
      expected: string;
    }> = [
      {
        name: 'a Buffer (express.raw)',
        type: 'application/octet-stream',
        raw: 'a\u0000b',
        parse: (raw) => raw,
        expected: 'a\u0000b',
      },
      {
        name: 'a string (express.text)',
        type: 'text/plain; charset=utf-8',
        raw: 'héllo',
        parse: (raw) => raw.toString('utf8'),
        expected: 'héllo',
      },
      {
        name: 'an object from express.urlencoded, as a form',
        type: 'application/x-www-form-urlencoded',
        raw: 'userid=123&appli=1&tag=a&tag=b',
        parse: (raw) => {
          const form = new URLSearchParams(raw.toString());
          return { userid: form.get('userid'), appli: form.get('appli'), tag: form.getAll('tag') };
        },
        expected: 'userid=123&appli=1&tag=a&tag=b',
      },
      {
        name: 'a nested object from express.urlencoded({ extended: true })',
        type: 'application/x-www-form-urlencoded',
        raw: 'a[b]=c+d',
        parse: () => ({ a: { b: 'c d' } }),
        expected: 'a%5Bb%5D=c+d',
      },
      {
        name: 'an object from express.json, as JSON',
        type: 'application/json',
        raw: '{ "userid": 123, "ok": true }',
        parse: (raw) => JSON.parse(raw.toString()),
        expected: '{"userid":123,"ok":true}',
      },
    ];
    for (const { name, type, raw, parse, expected } of cases) {
      it(`rebuilds ${name} instead of waiting on the drained stream`, async () => {
        const url = await serve(async (req, res) => {
          await parseFirst(req, parse);
          return describeRequest(incomingMessageToRequest(req, { res }));
        });
        const answer = JSON.parse(
          (
            await send(`${url}/webhook/withings`, {
              method: 'POST',
              headers: { 'content-type': type },
              chunks: [raw],
            })
          ).body,
        );
        expect(answer.body).toBe(expected);
        expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(expected)));
        expect(answer.headers['transfer-encoding']).toBeUndefined();
      });
    }

    it('reads the stream when req.body is set but nothing read it', async () => {
      const url = await serve(async (req, res) => {
        (req as IncomingMessage & { body?: unknown }).body = {};
        return describeRequest(incomingMessageToRequest(req, { res }));
      });
      const answer = await send(`${url}/x`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        chunks: ['real bytes'],
      });
      expect(JSON.parse(answer.body).body).toBe('real bytes');
    });

    it('gives an empty body, not a hang, when the stream was drained and nothing was left on req.body', async () => {
      const url = await serve(async (req, res) => {
        for await (const _ of req) {
          // drained by a middleware that keeps nothing
        }
        return describeRequest(incomingMessageToRequest(req, { res }));
      });
      const answer = await send(`${url}/x`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        chunks: ['gone'],
      });
      expect(JSON.parse(answer.body).body).toBe('');
    });
  });

  describe('oversized bodies', () => {
    it('throws PayloadTooLargeError at once when Content-Length is over the limit, reading nothing', async () => {
      let readBytes = -1;
      const url = await serve(async (req, res) => {
        try {
          return incomingMessageToRequest(req, { res, maxBodySize: 100 });
        } finally {
          readBytes = req.readableDidRead ? 1 : 0;
        }
      });
      const answer = await send(`${url}/webhook/withings`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'content-length': '101' },
        chunks: ['x'.repeat(101)],
      });
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toEqual({
        error: {
          name: 'PayloadTooLargeError',
          code: 'BODY_TOO_LARGE',
          message: 'request bodies are at most 100 bytes',
        },
      });
      expect(readBytes).toBe(0);
    });

    it('fails the body stream as soon as a chunked body passes the limit, and buffers no more', async () => {
      let received = 0;
      const url = await serve(async (req, res) => {
        const request = incomingMessageToRequest(req, { res, maxBodySize: 1024 });
        const reader = (request.body as ReadableStream<Uint8Array>).getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return { received };
            received += value.byteLength;
          }
        } catch (error) {
          expect(error).toBeInstanceOf(PayloadTooLargeError);
          throw error;
        }
      });
      const answer = await send(`${url}/webhook/withings`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        chunks: Array.from({ length: 64 }, () => 'y'.repeat(512)),
      });
      expect(JSON.parse(answer.body).error).toMatchObject({ code: 'BODY_TOO_LARGE' });
      expect(received).toBeLessThanOrEqual(1024);
    });

    it('throws for a body a parser already read when it is over the limit', async () => {
      const url = await serve(async (req, res) => {
        await parseFirst(req, (raw) => raw.toString());
        return incomingMessageToRequest(req, { res, maxBodySize: 8 });
      });
      const answer = await send(`${url}/x`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        chunks: ['123456789'],
      });
      expect(JSON.parse(answer.body).error).toMatchObject({ code: 'BODY_TOO_LARGE' });
    });

    it('refuses a maxBodySize that is not a whole number of bytes', () => {
      expect(() => incomingMessageToRequest({} as IncomingMessage, { maxBodySize: -1 })).toThrow(RangeError);
    });
  });

  it('aborts request.signal when the client goes away before the answer, and not after a normal answer', async () => {
    const signals: AbortSignal[] = [];
    const aborted = new Promise<void>((resolve) => {
      const server = createServer((req, res) => {
        const request = incomingMessageToRequest(req, { res });
        signals.push(request.signal);
        if (req.url === '/quick') {
          res.end('done');
          return;
        }
        // Never answered: only the client leaving can end this one.
        request.signal.addEventListener('abort', () => resolve());
      });
      void listen(server).then(async (url) => {
        await send(`${url}/quick`, {});
        const { port } = new URL(url);
        const socket = connect(Number(port), '127.0.0.1');
        await once(socket, 'connect');
        socket.write('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
        setTimeout(() => socket.destroy(), 100);
      });
    });
    await Promise.race([
      aborted,
      new Promise((_, reject) => setTimeout(() => reject(new Error('signal did not abort')), 3000)),
    ]);
    expect(signals).toHaveLength(2);
    expect(signals[0]?.aborted).toBe(false);
    expect(signals[1]?.aborted).toBe(true);
  });

  it('fails the body stream with a coded ClientClosedError when the client leaves mid-body', async () => {
    const failure = new Promise<{ name: string; code: string }>((resolve) => {
      const server = createServer((req, res) => {
        incomingMessageToRequest(req, { res })
          .text()
          .then(
            () => resolve({ name: 'none', code: 'none' }),
            (error: Error & { code: string }) => resolve({ name: error.name, code: error.code }),
          );
      });
      void listen(server).then(async (url) => {
        const socket = connect(Number(new URL(url).port), '127.0.0.1');
        await once(socket, 'connect');
        socket.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
        setTimeout(() => socket.destroy(), 100);
      });
    });
    expect(await failure).toEqual({ name: 'ClientClosedError', code: 'CLIENT_CLOSED' });
  });
});
