import { createServer, request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { writeResponse } from '../src/node-http/index.js';
import { listen } from './harness.js';

interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  chunks: Array<{ text: string }>;
  error?: string;
}

/** Requests `url` with node:http and records every body chunk; `onData` sees the body so far. */
function receive(url: string, method = 'GET', onData?: (soFar: string) => void): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, timeout: 5000 });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      const received: Received = { status: res.statusCode ?? 0, headers: res.headers, chunks: [] };
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        received.chunks.push({ text });
        onData?.(received.chunks.map((c) => c.text).join(''));
      });
      res.on('end', () => resolve(received));
      res.on('error', (error) => resolve({ ...received, error: error.message }));
      res.on('aborted', () => resolve({ ...received, error: 'aborted' }));
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('writeResponse', { timeout: 10_000 }, () => {
  it('writes the status, every header, and each Set-Cookie separately', async () => {
    const url = await listen(
      createServer((_req, res) => {
        const headers = new Headers({ 'content-type': 'application/json', 'x-multi': 'a' });
        headers.append('x-multi', 'b');
        headers.append('set-cookie', 'a=1; Path=/; HttpOnly');
        headers.append('set-cookie', 'b=2, with a comma; Path=/');
        void writeResponse(new Response('{"ok":true}', { status: 201, statusText: 'Made', headers }), res);
      }),
    );
    const received = await receive(url);
    expect(received.status).toBe(201);
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['x-multi']).toBe('a, b');
    expect(received.headers['set-cookie']).toEqual(['a=1; Path=/; HttpOnly', 'b=2, with a comma; Path=/']);
    expect(received.chunks.map((c) => c.text).join('')).toBe('{"ok":true}');
  });

  it('sends a body that is whole at once with a Content-Length, in one piece, not chunked', async () => {
    const url = await listen(
      createServer((_req, res) => {
        void writeResponse(
          new Response('{"status":"accepted"}', { headers: { 'content-type': 'application/json' } }),
          res,
        );
      }),
    );
    const received = await receive(url);
    expect(received.headers['content-length']).toBe('21');
    expect(received.headers['transfer-encoding']).toBeUndefined();
    expect(received.chunks.map((c) => c.text)).toEqual(['{"status":"accepted"}']);
  });

  it('keeps a Content-Length the response already has; an empty or absent body is 0 bytes (none for 204)', async () => {
    const url = await listen(
      createServer((req, res) => {
        const response =
          req.url === '/empty'
            ? new Response(new Uint8Array(0))
            : req.url === '/null'
              ? new Response(null)
              : req.url === '/204'
                ? new Response(null, { status: 204 })
                : new Response('abc', { headers: { 'content-length': '3' } });
        void writeResponse(response, res);
      }),
    );
    const sized = await receive(url);
    expect(sized.headers['content-length']).toBe('3');
    expect(sized.chunks.map((c) => c.text).join('')).toBe('abc');
    const empty = await receive(`${url}/empty`);
    expect(empty.status).toBe(200);
    expect(empty.headers['content-length']).toBe('0');
    expect(empty.headers['transfer-encoding']).toBeUndefined();
    expect(empty.chunks).toEqual([]);
    const none = await receive(`${url}/null`);
    expect(none.headers['content-length']).toBe('0');
    expect(none.headers['transfer-encoding']).toBeUndefined();
    const noContent = await receive(`${url}/204`);
    expect(noContent.status).toBe(204);
    expect(noContent.headers['content-length']).toBeUndefined();
  });

  it('streams the body: the first chunk arrives before the stream has ended', async () => {
    // The stream goes on only once the client holds its first chunk: a writeResponse that buffered
    // the body would never send it, and the request would time out.
    let firstArrived = (): void => {};
    const arrived = new Promise<void>((resolve) => {
      firstArrived = resolve;
    });
    const url = await listen(
      createServer((_req, res) => {
        const body = new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode('first;'));
            await arrived;
            controller.enqueue(new TextEncoder().encode('second'));
            controller.close();
          },
        });
        void writeResponse(new Response(body), res);
      }),
    );
    const received = await receive(url, 'GET', (soFar) => {
      if (soFar === 'first;') firstArrived();
    });
    expect(received.error).toBeUndefined();
    expect(received.chunks[0]?.text).toBe('first;');
    expect(received.chunks.map((c) => c.text).join('')).toBe('first;second');
  });

  it('sends no body for HEAD and cancels the body stream instead of reading it', async () => {
    const cancelled: string[] = [];
    const url = await listen(
      createServer((req, res) => {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('only for GET'));
            controller.close();
          },
          cancel() {
            cancelled.push(req.method ?? '');
          },
        });
        void writeResponse(
          req.url === '/empty' ? new Response(null, { status: 204 }) : new Response(body),
          res,
        );
      }),
    );
    const head = await receive(url, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.chunks).toEqual([]);
    const empty = await receive(`${url}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.chunks).toEqual([]);
    const get = await receive(url);
    expect(get.chunks.map((c) => c.text).join('')).toBe('only for GET');
    expect(cancelled).toEqual(['HEAD']);
  });

  it('cancels the body stream when the client goes away mid-body', async () => {
    let cancelled = false;
    const url = await listen(
      createServer((_req, res) => {
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await sleep(20);
            controller.enqueue(new TextEncoder().encode('tick\n'));
          },
          cancel() {
            cancelled = true;
          },
        });
        void writeResponse(new Response(body), res);
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(url, { timeout: 5000 });
      req.on('error', () => resolve());
      req.on('response', (res) => res.once('data', () => req.destroy()));
      req.on('close', () => resolve());
      req.on('timeout', () => reject(new Error('timed out')));
      req.end();
    });
    const deadline = Date.now() + 5000; // generous: a loaded box is slow, not stuck
    while (!cancelled && Date.now() < deadline) await sleep(10);
    expect(cancelled).toBe(true);
  });

  it('cuts the connection and rejects when the body fails after the headers went out', async () => {
    let rejection: unknown;
    const url = await listen(
      createServer((_req, res) => {
        let sent = false;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent) controller.error(new Error('upstream broke'));
            else controller.enqueue(new TextEncoder().encode('partial'));
            sent = true;
          },
        });
        writeResponse(new Response(body), res).catch((error: unknown) => {
          rejection = error;
        });
      }),
    );
    const received = await receive(url).catch((error: Error) => ({ error: error.message, chunks: [] }));
    expect(received.error).toBeDefined(); // aborted / socket hang up: not a clean end
    expect((rejection as Error).message).toBe('upstream broke');
  });
});
