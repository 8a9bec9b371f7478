import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain `node:http` server on 127.0.0.1 (port 0) for upstreams that misbehave below what a Web
 * `Response` can express: redirects to another origin, bodies that never end. Clients' tests use it
 * to prove what they refuse to do.
 */
export interface RawServer {
  url: string;
  /** Every request it received, in order (method, path with query, body). */
  requests: Array<{ method: string; path: string; body: string }>;
  /** Closes the server and every connection still open. */
  close(): Promise<void>;
}

/**
 * Starts a {@link RawServer}; `handler` runs once a request's body has been read.
 * @param options.cleanup - Registers the close, e.g. vitest's `onTestFinished`.
 */
export async function startRawServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: { cleanup?: (close: () => Promise<void>) => void } = {},
): Promise<RawServer> {
  const requests: RawServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString(),
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  options.cleanup?.(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close };
}

/** What {@link endlessBody} saw: bytes written, and a promise settled when the client's socket closed. */
export interface EndlessBody {
  written: () => number;
  socketClosed: Promise<void>;
}

/**
 * A handler that answers 200 with no Content-Length and writes 64 KiB chunks for as long as the
 * socket stays open (honouring backpressure): a hostile or broken upstream. As a safety net for a
 * client that never stops reading, it destroys the socket after `safetyBytes`, so a failing test
 * cannot eat the machine's memory.
 */
export function endlessBody(safetyBytes = 256 * 1024 * 1024): {
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  endless: EndlessBody;
} {
  let written = 0;
  let closed: () => void = () => undefined;
  const socketClosed = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    req.socket.on('close', closed);
    res.writeHead(200, { 'content-type': 'application/json' });
    const pump = () => {
      while (!res.destroyed) {
        if (written >= safetyBytes) {
          res.destroy();
          return;
        }
        written += chunk.length;
        if (!res.write(chunk)) return; // wait for 'drain'
      }
    };
    res.on('drain', pump);
    pump();
  };
  return { handler, endless: { written: () => written, socketClosed } };
}

/** Resolves with `promise`, or rejects after `ms` (keeps a broken client from hanging a test). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
