import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { PayloadTooLargeError } from './payload-too-large-error.js';
import { requestBody } from './request-body.js';

/** Options of {@link incomingMessageToRequest}. */
export interface IncomingMessageToRequestOptions {
  /**
   * The response that will answer `req`. With it, `request.signal` aborts when the connection closes
   * before the response has finished (the client went away); without it the signal never aborts.
   */
  res?: ServerResponse;
  /**
   * Path and query to use instead of `req.url`, e.g. with a mount path already removed. The origin
   * always comes from the connection (see `trustProxy`), never from this value.
   */
  url?: string;
  /**
   * Largest body accepted, in bytes (default 16 KiB; the webhook itself allows 4 KiB). A larger
   * `Content-Length` throws at once; a larger streamed body fails the body stream when the limit
   * is passed, so nothing past it is buffered.
   */
  maxBodySize?: number;
  /**
   * Take the scheme and host from `X-Forwarded-Proto` / `X-Forwarded-Host`, and the caller's address
   * (for the engine's throttle of failed bearer attempts) from the last `X-Forwarded-For` entry
   * (default `false`: the socket's peer). Turn it on only behind a reverse proxy that sets them:
   * anyone can send these headers.
   */
  trustProxy?: boolean;
}

/** 16 KiB: four times the largest webhook, and no other route reads a body. */
export const DEFAULT_MAX_BODY_SIZE = 16 * 1024;
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const overflowed = new WeakMap<Request, () => number | undefined>();

/**
 * Converts a Node `IncomingMessage` into a Web `Request`: an absolute URL (scheme from the socket,
 * host from a well-formed `Host` header or else the socket, or from `X-Forwarded-*` when
 * `trustProxy`), every header (repeated ones kept), the body (streamed with a byte cap, or rebuilt
 * from `req.body` when a body parser already read it; none for GET and HEAD) and an abort signal.
 *
 * @throws {@link PayloadTooLargeError} when `Content-Length` (or an already-parsed body) exceeds
 * `maxBodySize`.
 * @throws `TypeError` when the request target cannot form a URL.
 *
 * @example
 * ```ts
 * createServer(async (req, res) => {
 *   const request = incomingMessageToRequest(req, { res });
 *   await writeResponse(await sync.handler(request), res);
 * });
 * ```
 */
export function incomingMessageToRequest(
  req: IncomingMessage,
  options: IncomingMessageToRequestOptions = {},
): Request {
  const limit = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError('maxBodySize must be a whole number of bytes');
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = toHeaders(req);
  const url = requestUrl(req, options);

  const controller = new AbortController();
  const { res } = options;
  if (res) {
    // A response emits 'close' exactly once, finished or not, so this listener never outlives it.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
    });
  }
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: controller.signal };
  let exceeded: number | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    if (Number(req.headers['content-length']) > limit) throw new PayloadTooLargeError(limit);
    const body = requestBody(req, limit, () => {
      exceeded = limit;
    });
    if (body instanceof Uint8Array) {
      // The parser decoded the body (and maybe inflated it): describe the bytes actually sent on.
      for (const name of ['content-encoding', 'transfer-encoding']) headers.delete(name);
      headers.set('content-length', String(body.byteLength));
    } else {
      init.duplex = 'half';
    }
    init.body = body;
  }
  const request = new Request(url, init);
  overflowed.set(request, () => exceeded);
  return request;
}

/** The limit the body stream of a request from {@link incomingMessageToRequest} passed, if it did. */
export function exceededBodyLimit(request: Request): number | undefined {
  return overflowed.get(request)?.();
}

/**
 * Every header of `req` (repeated ones kept), from `rawHeaders`: cheaper than building `headersDistinct`.
 * Added to `headers` when given (a `Request`'s own, which saves copying them into it), leaving out
 * the names `skip` returns true for (given lower case).
 */
export function toHeaders(
  req: IncomingMessage,
  headers: Headers = new Headers(),
  skip?: (lowerName: string) => boolean,
): Headers {
  const raw = req.rawHeaders;
  let cookie: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    // HTTP/2 pseudo-headers (:path, :authority) are not headers of the request.
    if (name.startsWith(':')) continue;
    // Node joins cookies with '; ' (Headers would join them with ', ').
    if (name.length === 6 && name.toLowerCase() === 'cookie') {
      cookie = cookie === undefined ? value : `${cookie}; ${value}`;
      continue;
    }
    if (skip?.(name.toLowerCase())) continue;
    try {
      headers.append(name, value);
    } catch {
      // Node's parser accepts a few values Headers refuses; such a header cannot be passed on.
    }
  }
  if (cookie !== undefined) {
    try {
      headers.set('cookie', cookie);
    } catch {
      // As above.
    }
  }
  return headers;
}

/** The absolute URL of `req`: see {@link IncomingMessageToRequestOptions.url} and `trustProxy`. */
export function requestUrl(req: IncomingMessage, options: IncomingMessageToRequestOptions): string {
  const target = options.url ?? req.url ?? '/';
  let path: string;
  if (target.startsWith('/')) path = target;
  else if (/^https?:\/\//i.test(target)) {
    // Absolute-form (a request sent as to a proxy): its path only; its host is not ours to trust.
    const absolute = new URL(target);
    path = `${absolute.pathname}${absolute.search}`;
  } else path = `/${target}`;
  return `${origin(req, options.trustProxy === true)}${path}`;
}

function origin(req: IncomingMessage, trustProxy: boolean): string {
  let scheme = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  let host = validHost(req.headers.host);
  if (trustProxy) {
    const forwarded = first(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (forwarded === 'http' || forwarded === 'https') scheme = forwarded;
    host = validHost(first(req.headers['x-forwarded-host'])) ?? host;
  }
  return `${scheme}://${host ?? socketHost(req)}`;
}

/** The first of a header's comma-separated values (the hop nearest the client). */
function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text?.split(',')[0]?.trim();
}

/** A host[:port] as sent, or `undefined` when it could change the URL's meaning (`evil/x?`, spaces…). */
function validHost(value: string | undefined): string | undefined {
  return value && HOST.test(value) ? value : undefined;
}

function socketHost(req: IncomingMessage): string {
  const { localAddress, localPort } = req.socket;
  if (!localAddress) return 'localhost';
  const address = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return localPort ? `${address}:${localPort}` : address;
}
