import { connect, type Socket } from 'node:net';
import { createSync, memoryStore, silentLogger } from '@wg-sync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_LIMITS, type RunningServer, type ServerLimits, startServer } from '../src/server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(limits?: Partial<ServerLimits>): Promise<RunningServer> {
  const sync = createSync({
    withings: { clientId: 'client-id', clientSecret: 'client-secret-unused' },
    store: memoryStore(),
    webhookSecret: '3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e',
    logger: silentLogger,
  });
  const server = await startServer(sync, { port: 0, host: '127.0.0.1', ...(limits ? { limits } : {}) });
  cleanups.push(() => server.close());
  return server;
}

/** A raw TCP connection to the server, and when it was closed (ms after it connected). */
async function open(
  server: RunningServer,
): Promise<{ socket: Socket; closed: Promise<number>; received: () => string }> {
  const socket = connect(server.port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const at = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - at)));
  return { socket, closed, received: () => received };
}

/** Resolves with the value, or with 'still open' after `ms` (each test stays bounded in time). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  return Promise.race([
    promise,
    new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms)),
  ]);
}

describe('startServer limits', () => {
  it.each([
    [
      'closes a slow-loris connection (partial headers, then nothing) after headersTimeout',
      'POST /webhook/withings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appli',
    ],
    ['closes a connection that never sends a byte after headersTimeout', ''],
  ])('%s', async (_name, partialHeaders) => {
    const server = await serve({
      headersTimeout: 300,
      requestTimeout: 1_000,
      connectionsCheckingInterval: 100,
    });
    const client = await open(server);
    if (partialHeaders) client.socket.write(partialHeaders);
    const after = await within(client.closed, 2_000);
    expect(after).not.toBe('still open');
    expect(after).toBeGreaterThanOrEqual(250);
    expect(after).toBeLessThan(1_500);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a request whose body trickles in after requestTimeout', async () => {
    const server = await serve({
      headersTimeout: 300,
      requestTimeout: 600,
      connectionsCheckingInterval: 100,
    });
    const client = await open(server);
    client.socket.write(
      'POST /webhook/withings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuserid=1',
    );
    const drip = setInterval(() => client.socket.write('1'), 100);
    cleanups.push(() => clearInterval(drip));
    const after = await within(client.closed, 2_500);
    expect(after).not.toBe('still open');
    expect(after).toBeLessThan(1_500);
  });

  it('with maxConnections 3, a 4th connection is closed at once while the first 3 stay open and work', async () => {
    const server = await serve({ maxConnections: 3 });
    const first = [await open(server), await open(server), await open(server)];
    await expect
      .poll(() => new Promise((resolve) => server.server.getConnections((_, n) => resolve(n))))
      .toBe(3);
    const fourth = await open(server);
    expect(await within(fourth.closed, 1_000)).not.toBe('still open');
    for (const client of first) {
      expect(await within(client.closed, 0)).toBe('still open');
      client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    }
    for (const client of first) await expect.poll(client.received).toMatch(/^HTTP\/1\.1 200/);
  });

  it('applies the documented defaults', async () => {
    const { server } = await serve();
    expect(DEFAULT_SERVER_LIMITS).toEqual({
      requestTimeout: 10_000,
      headersTimeout: 5_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 16 * 1024,
      maxConnections: 1_000,
    });
    const applied = server as unknown as Record<keyof ServerLimits, number>;
    for (const name of Object.keys(DEFAULT_SERVER_LIMITS) as Array<keyof ServerLimits>)
      expect([name, applied[name]]).toEqual([name, DEFAULT_SERVER_LIMITS[name]]);
  });

  it('refuses limits Node would refuse (a headers timeout longer than the request timeout)', async () => {
    await expect(serve({ headersTimeout: 2_000, requestTimeout: 1_000 })).rejects.toThrow(RangeError);
  });
});
