import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expressAdapter } from '@wg-sync/adapter-express';
import type { Sync } from '@wg-sync/core';
import express from 'express';
import { CliError, EXIT } from './errors.js';

/**
 * Limits of the `wg-sync serve` HTTP server. It faces the internet (Withings calls it), so slow or
 * piled-up connections must not hold it: Node's defaults let a connection sit for a minute before
 * its headers arrive and accept any number of them.
 */
export interface ServerLimits {
  /** Milliseconds to receive a whole request, body included (`server.requestTimeout`). */
  requestTimeout: number;
  /**
   * Milliseconds to receive a request's headers (`server.headersTimeout`); Node counts from the
   * connection, so one that sends nothing at all is closed (408) after this too.
   */
  headersTimeout: number;
  /** Milliseconds an idle keep-alive connection stays open (`server.keepAliveTimeout`). */
  keepAliveTimeout: number;
  /** How often Node checks the two timeouts above (its default is every 30 s, too late to matter). */
  connectionsCheckingInterval: number;
  /** Bytes of headers per request (`maxHeaderSize`). */
  maxHeaderSize: number;
  /** Connections open at once (`server.maxConnections`); more are closed as they arrive. */
  maxConnections: number;
}

/** What {@link startServer} applies unless told otherwise. */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  requestTimeout: 10_000,
  headersTimeout: 5_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000,
  maxHeaderSize: 16 * 1024,
  maxConnections: 1_000,
});

/** A running `wg-sync serve` HTTP server. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The `node:http` server, with the limits applied (for tests and embedding). */
  readonly server: Server;
  /** Stops accepting requests, lets syncs already started finish, then closes. */
  close(): Promise<void>;
}

function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`server limit ${name} must be a positive integer`);
  }
  // Node refuses a headers timeout longer than the request timeout.
  if (limits.headersTimeout > limits.requestTimeout)
    throw new RangeError('server limit headersTimeout must not exceed requestTimeout');
  return limits;
}

/**
 * The server `wg-sync serve` (and the demo) runs: the engine's one handler mounted with the Express
 * adapter at the root, so the routes are `/health`, `/webhook/withings[/<secret>]`, `/sync/manual`,
 * `/status`; with {@link DEFAULT_SERVER_LIMITS} unless `limits` overrides some.
 */
export async function startServer(
  sync: Sync,
  options: { port: number; host: string; limits?: Partial<ServerLimits> },
): Promise<RunningServer> {
  const limits = resolveLimits(options.limits);
  const app = express();
  app.disable('x-powered-by');
  const adapter = expressAdapter(sync);
  app.use(adapter);
  const server = createServer(
    {
      requestTimeout: limits.requestTimeout,
      headersTimeout: limits.headersTimeout,
      keepAliveTimeout: limits.keepAliveTimeout,
      connectionsCheckingInterval: limits.connectionsCheckingInterval,
      maxHeaderSize: limits.maxHeaderSize,
    },
    app,
  );
  // Also as properties: older Node versions read some of them only there.
  server.requestTimeout = limits.requestTimeout;
  server.headersTimeout = limits.headersTimeout;
  server.keepAliveTimeout = limits.keepAliveTimeout;
  server.maxConnections = limits.maxConnections;
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new CliError(`cannot listen on ${options.host}:${options.port} (${error.code})`, {
              exitCode: EXIT.USAGE,
              fix: 'pass --port <another port>',
            })
          : error,
      ),
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    server,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await adapter.drain();
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
