import type { AddressInfo } from 'node:net';
import { expressAdapter } from '@wg-sync/adapter-express';
import type { Sync } from '@wg-sync/core';
import express from 'express';
import { CliError, EXIT } from './errors.js';

/** A running `wg-sync serve` HTTP server. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops accepting requests, lets syncs already started finish, then closes. */
  close(): Promise<void>;
}

/**
 * The server `wg-sync serve` (and the demo) runs: the engine's one handler mounted with the Express
 * adapter at the root, so the routes are `/health`, `/webhook/withings`, `/sync/manual`, `/status`.
 */
export async function startServer(
  sync: Sync,
  options: { port: number; host: string },
): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  const adapter = expressAdapter(sync);
  app.use(adapter);
  const server = app.listen(options.port, options.host);
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
