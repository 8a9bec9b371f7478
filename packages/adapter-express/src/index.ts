/**
 * Mounts the wg-sync HTTP handler on Express 5: {@link expressAdapter}. Without Express, use
 * `nodeHttpHandler` from `@wg-sync/adapter-express/node-http` on a plain `node:http` server.
 *
 * @packageDocumentation
 */
import { ConfigError, type Sync } from '@wg-sync/core';
import express, { type Router } from 'express';
import { BackgroundTasks } from './node-http/background-tasks.js';
import { handleNodeRequest } from './node-http/handle-node-request.js';
import { checkNodeOptions, drainAll, type NodeHttpHandlerOptions } from './node-http/node-http-handler.js';

/** Options of {@link expressAdapter}: those of `nodeHttpHandler`, plus a base path. */
export interface ExpressAdapterOptions extends NodeHttpHandlerOptions {
  /**
   * Serve only below this path (`/wg`), relative to where the router is mounted; other requests go
   * on to the next middleware. Useful when the router is mounted at the root of an app.
   */
  basePath?: string;
}

/** The Express router {@link expressAdapter} returns, with a way to wait for background syncs. */
export interface ExpressAdapter extends Router {
  /**
   * Resolves once every background sync started by a request has finished (new ones included),
   * every request still being handled (one whose client left no longer holds `server.close()` up),
   * and the webhook syncs the engine was holding until their debounce window ends (run now, with
   * `sync.flush()`). Call it after `server.close()` on shutdown, so no accepted webhook is cut off.
   */
  drain(): Promise<void>;
}

/**
 * An Express router that serves every route of `sync.handler` (`/health`, `/webhook/withings`,
 * `/sync/manual`, `/status`). The mount path (and `basePath`) is removed before the engine sees the
 * URL, so `app.use('/wg', expressAdapter(sync))` serves `/wg/webhook/withings`. Every request inside
 * the mount goes to the engine, unknown paths too (it answers 404 JSON); requests outside `basePath`
 * go to `next()`. A webhook is answered 200 at once and its sync goes on after the response,
 * tracked by `drain()`; if that work rejects, `onError` hears of it.
 *
 * Body parsers mounted before it are fine: it rebuilds the body from `req.body` when the stream was
 * already read.
 *
 * @example
 * ```ts
 * const wg = expressAdapter(sync);
 * app.use('/wg', wg);
 * const server = app.listen(8080);
 * process.once('SIGTERM', () => server.close(() => void wg.drain().then(() => process.exit(0))));
 * ```
 */
export function expressAdapter(
  sync: Pick<Sync, 'handler'> & Partial<Pick<Sync, 'flush'>>,
  options: ExpressAdapterOptions = {},
): ExpressAdapter {
  const requestOptions = checkNodeOptions(options);
  const basePath = checkBasePath(options.basePath);
  const tasks = new BackgroundTasks(options.onError);
  const router = express.Router();
  router.use((req, res, next) => {
    // Inside a router Express has already cut the mount path (req.baseUrl) off req.url.
    const url = belowBasePath(req.url, basePath);
    if (url === undefined) return next();
    return handleNodeRequest({ sync, tasks }, req, res, { ...requestOptions, url });
  });
  return Object.assign(router, { drain: () => drainAll(sync, tasks) });
}

function checkBasePath(basePath: string | undefined): string {
  if (basePath === undefined) return '';
  const trimmed = basePath.replace(/\/+$/, '');
  if (trimmed !== '' && !/^\/[^?#]*$/.test(trimmed)) {
    throw new ConfigError(['basePath must be a path such as /wg (no query or fragment)']);
  }
  return trimmed;
}

/** `url` with `basePath` removed, or `undefined` when it is not below it (`/wgx` is not below `/wg`). */
function belowBasePath(url: string, basePath: string): string | undefined {
  if (basePath === '') return url;
  const path = url.split('?')[0] ?? '';
  if (path !== basePath && !path.startsWith(`${basePath}/`)) return undefined;
  const rest = url.slice(basePath.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
