import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, type Sync } from '@wg-sync/core';
import { type BackgroundErrorHandler, BackgroundTasks } from './background-tasks.js';
import { handleNodeRequest, type NodeRequestOptions } from './handle-node-request.js';

/** Options of {@link nodeHttpHandler} (and of `expressAdapter`). */
export interface NodeHttpHandlerOptions {
  /** Largest request body, in bytes (default 16 KiB); larger ones are answered 413. */
  maxBodySize?: number;
  /**
   * Build the request URL from `X-Forwarded-Proto` / `X-Forwarded-Host` (default `false`). Only
   * behind a proxy that sets them; routing uses the path alone either way.
   */
  trustProxy?: boolean;
  /**
   * Called when background work (a webhook's sync, running after its 200) rejects, or the handler
   * throws (default: one redacted JSON line on stderr).
   */
  onError?: BackgroundErrorHandler;
}

/** A `node:http` request listener that also waits for the work still running after its answers. */
export interface NodeHttpHandler {
  /** Answers one request; never rejects. */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /**
   * Resolves once every background sync started by a request has finished (new ones included),
   * every request still being handled (one whose client left no longer holds `server.close()` up),
   * and the webhook syncs the engine was holding until their debounce window ends (run now, with
   * `sync.flush()`). Call it after `server.close()` on shutdown, so no accepted webhook is cut off.
   */
  drain(): Promise<void>;
}

/**
 * Serves every route of `sync.handler` on a plain `node:http` server: each request is converted with
 * {@link incomingMessageToRequest}, answered with {@link writeResponse}, and a webhook's sync keeps
 * running after its 200 (tracked, so `drain()` can wait for it).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { nodeHttpHandler } from '@wg-sync/adapter-express/node-http';
 *
 * const handler = nodeHttpHandler(sync);
 * const server = createServer(handler).listen(8080);
 * process.once('SIGTERM', () => server.close(() => void handler.drain().then(() => process.exit(0))));
 * ```
 */
export function nodeHttpHandler(
  sync: Pick<Sync, 'handler'> & Partial<Pick<Sync, 'flush'>>,
  options: NodeHttpHandlerOptions = {},
): NodeHttpHandler {
  const requestOptions = checkNodeOptions(options);
  const tasks = new BackgroundTasks(options.onError);
  const handler = (req: IncomingMessage, res: ServerResponse) =>
    handleNodeRequest({ sync, tasks }, req, res, requestOptions);
  return Object.assign(handler, { drain: () => drainAll(sync, tasks) });
}

/** Validates the options once, when the handler is made, rather than failing every request. */
export function checkNodeOptions(options: NodeHttpHandlerOptions): NodeRequestOptions {
  const { maxBodySize, trustProxy, onError } = options;
  const problems: string[] = [];
  if (maxBodySize !== undefined && !(Number.isSafeInteger(maxBodySize) && maxBodySize >= 0)) {
    problems.push('maxBodySize must be a whole number of bytes');
  }
  if (onError !== undefined && typeof onError !== 'function') problems.push('onError must be a function');
  if (problems.length > 0) throw new ConfigError(problems);
  return { maxBodySize, trustProxy };
}

/**
 * Shutdown order: requests and their background syncs, then the syncs the engine holds until their
 * debounce window ends (run now), then whatever those started.
 */
export async function drainAll(sync: Partial<Pick<Sync, 'flush'>>, tasks: BackgroundTasks): Promise<void> {
  await tasks.drain();
  await sync.flush?.();
  await tasks.drain();
}
