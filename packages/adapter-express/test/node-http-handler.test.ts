import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { Socket } from 'node:net';
import { ConfigError } from '@wg-sync/core';
import { describe, expect, it, vi } from 'vitest';
import { nodeHttpHandler } from '../src/node-http/index.js';
import { FORM, linkedWorld, listen, minutesAgo, notification, post, timeout } from './harness.js';

/** `promise`, or a failure naming `what` did not happen after a generous 5 s (a loaded box is slow, not stuck). */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within 5 s`)), 5000);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Resolves on `close`, also after an `error` (which `events.once` would turn into a rejection). */
const closed = (emitter: { once(event: 'close', listener: () => void): unknown }) =>
  new Promise<void>((resolve) => emitter.once('close', () => resolve()));

describe('nodeHttpHandler on a plain node:http server', { timeout: 15_000 }, () => {
  it('serves the engine: health, webhook HEAD, a webhook synced in the background, drain', async () => {
    const world = await linkedWorld();
    const handler = nodeHttpHandler(world.sync);
    const url = await listen(createServer(handler));

    const health = await fetch(`${url}/health`, timeout());
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const head = await fetch(`${url}/webhook/withings`, { method: 'HEAD', ...timeout() });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(2), weightKg: 82.4, notify: false });
    const webhook = await post(`${url}/webhook/withings`, notification(world.userId));
    expect(await webhook.json()).toEqual({ status: 'accepted' });
    await handler.drain();
    expect(world.garmin.weighIns(world.email)).toMatchObject([{ weight: 82400 }]);
  });

  it('answers 413 itself for a Content-Length over maxBodySize, and for a chunked body that passes it', async () => {
    const world = await linkedWorld();
    const url = await listen(createServer(nodeHttpHandler(world.sync, { maxBodySize: 64 })));
    const declared = await post(`${url}/webhook/withings`, notification(world.userId).padEnd(100, '&x=1'));
    expect(declared.status).toBe(413);
    expect(declared.headers.get('connection')).toBe('close');
    expect(await declared.json()).toEqual({
      error: { code: 'BODY_TOO_LARGE', message: 'request bodies are at most 64 bytes' },
    });

    // No Content-Length: reading stops at 64 bytes and the client gets 413; the engine never sees it.
    const chunks = [notification(world.userId), '&pad=', 'x'.repeat(200)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const streamed = await fetch(`${url}/webhook/withings`, {
      method: 'POST',
      headers: FORM,
      body: stream,
      duplex: 'half',
      ...timeout(),
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    expect(world.withings.requests).toHaveLength(0);
  });

  it('closes the connection when it answers before the client has sent the whole body', async () => {
    const world = await linkedWorld();
    const url = await listen(createServer(nodeHttpHandler(world.sync)));
    // A body that never ends: the adapter stops reading at maxBodySize (16 KiB) and answers 413.
    const answer = await new Promise<{ status: number; connection: string | undefined; closed: boolean }>(
      (resolve, reject) => {
        const req = request(`${url}/webhook/withings`, { method: 'POST', headers: FORM, timeout: 5000 });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        const pump = setInterval(() => req.write('x'.repeat(1024)), 5);
        req.on('response', (res) => {
          clearInterval(pump);
          res.resume();
          const result = { status: res.statusCode ?? 0, connection: res.headers.connection };
          req.socket?.once('close', () => resolve({ ...result, closed: true }));
        });
      },
    );
    expect(answer).toEqual({ status: 413, connection: 'close', closed: true });
  });

  it('hands the engine the whole body, and never calls it for a client that left mid-body', async () => {
    const seen: Array<{ body: string; length: string | null; encoding: string | null }> = [];
    const sync = {
      handler: async (request: Request) => {
        seen.push({
          body: await request.text(),
          length: request.headers.get('content-length'),
          encoding: request.headers.get('transfer-encoding'),
        });
        return new Response('ok');
      },
    };
    const onError = vi.fn();
    const handler = nodeHttpHandler(sync, { onError });
    // Each request's handling, to wait for it to finish rather than for a guessed time.
    const handled: Array<Promise<void>> = [];
    const server = createServer((req, res) => void handled.push(handler(req, res)));
    const url = await listen(server);

    // Chunked on the wire: the engine gets the bytes and a Content-Length that describes them.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/webhook/withings`, { method: 'POST', headers: FORM, timeout: 5000 });
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.write('userid=1&');
      setTimeout(() => req.end('appli=1'), 20);
    });
    expect(chunked).toBe(200);
    expect(seen).toEqual([{ body: 'userid=1&appli=1', length: '16', encoding: null }]);

    // Content-Length promises 100 bytes, 10 come, then the client hangs up.
    const arrived = once(server, 'request');
    const req = request(`${url}/webhook/withings`, {
      method: 'POST',
      headers: { ...FORM, 'content-length': '100' },
    });
    const ended = closed(req);
    req.on('error', () => {}); // the hang-up is ours
    req.write('userid=1&a');
    await within(arrived, 'the server did not get the request');
    req.destroy();
    await within(ended, 'the request did not end');
    expect(handled).toHaveLength(2);
    await within(handled[1] as Promise<void>, 'the handler did not finish after the client left');
    expect(seen).toHaveLength(1);
    expect(onError).not.toHaveBeenCalled();
  });

  it('drain() also waits for a request still being handled after its client went away', async () => {
    let release = (): void => {};
    let started = (): void => {};
    const reading = new Promise<void>((resolve) => {
      started = resolve;
    });
    const stored: string[] = [];
    const sync = {
      handler: async (request: Request) => {
        const body = await request.text();
        started();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        stored.push(body); // the notification reaches the store only now
        return new Response('ok');
      },
    };
    const handler = nodeHttpHandler(sync);
    const server = createServer(handler);
    const url = await listen(server);
    const connected = once(server, 'connection') as Promise<[Socket]>;
    const req = request(`${url}/webhook/withings`, { method: 'POST', headers: FORM });
    req.on('error', () => {}); // the hang-up is ours
    req.end('userid=1&appli=1');
    const [socket] = await within(connected, 'the server got no connection');
    const gone = closed(socket);
    // The engine has the whole body and is storing it: only now does the client go, before any answer.
    await within(reading, 'the engine did not get the request');
    req.destroy();
    await within(gone, 'the server did not see the client leave');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    let drained = false;
    const draining = handler.drain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(drained).toBe(false);
    release();
    await draining;
    expect(stored).toEqual(['userid=1&appli=1']);
  });

  it('reports a handler that throws through onError and answers a bare 500', async () => {
    const onError = vi.fn();
    const broken = {
      handler: async (): Promise<Response> => {
        throw new Error('engine bug with Bearer abcdefghijklmnopqrstuvwxyz');
      },
    };
    const url = await listen(createServer(nodeHttpHandler(broken, { onError })));
    const answer = await fetch(`${url}/health`, timeout());
    expect(answer.status).toBe(500);
    const text = await answer.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(text).not.toContain('abcdefghijklmnop');
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: expect.stringContaining('engine bug') }),
    );
  });

  it('refuses bad options when it is made, not on the first request', () => {
    const sync = { handler: async () => new Response(null) };
    expect(() => nodeHttpHandler(sync, { maxBodySize: 1.5 })).toThrow(ConfigError);
    expect(() => nodeHttpHandler(sync, { onError: 'log' as never })).toThrow(/onError must be a function/);
  });
});
