import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorResponse, type HandlerContext, type Sync } from '@wg-sync/core';
import type { BackgroundTasks } from './background-tasks.js';
import { engineRequestOf } from './engine-request.js';
import {
  DEFAULT_MAX_BODY_SIZE,
  type IncomingMessageToRequestOptions,
  requestUrl,
  toHeaders,
} from './incoming-message-to-request.js';
import { PayloadTooLargeError } from './payload-too-large-error.js';
import { alreadyRead, ClientClosedError, readWholeBody } from './request-body.js';
import { writeResponse } from './write-response.js';

/** What a Node handler passes on for one request. */
export interface NodeRequestOptions {
  /** See {@link IncomingMessageToRequestOptions.maxBodySize}. */
  maxBodySize?: number;
  /** See {@link IncomingMessageToRequestOptions.trustProxy}. */
  trustProxy?: boolean;
  /** Path and query as the handler should see them (a mount path removed). */
  url?: string;
}

/**
 * One request through the engine: read the (small, capped) body, `sync.handler` with a tracked
 * `waitUntil`, write back. Never rejects: what cannot become an answer goes to the tasks' error handler.
 * The request itself is tracked too, so `drain()` also waits for a handler still storing a
 * notification whose client has already gone (its connection no longer holds `server.close()` up).
 */
export function handleNodeRequest(
  engine: NodeEngine,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeRequestOptions,
): Promise<void> {
  const answered = answer(engine, req, res, options);
  engine.tasks.waitUntil(answered);
  return answered;
}

/** The engine a request goes through, and the background tasks its answer may leave behind. */
export interface NodeEngine {
  sync: Pick<Sync, 'handler'>;
  tasks: BackgroundTasks;
}

async function answer(
  ...[{ sync, tasks }, req, res, options]: Parameters<typeof handleNodeRequest>
): Promise<void> {
  let request: Request;
  let body: Uint8Array | undefined;
  try {
    ({ request, body } = await engineRequest(req, { ...options, light: takesAdapterRequests(sync.handler) }));
  } catch (error) {
    if (error instanceof ClientClosedError) return; // nobody is left to answer
    const response =
      error instanceof PayloadTooLargeError
        ? tooLarge(error.limit)
        : errorResponse(400, 'BAD_REQUEST', 'the request line or headers cannot form a request');
    return send(tasks, response, res);
  }
  let response: Response;
  try {
    response = await sync.handler(
      request,
      engineContext(tasks, req, { trustProxy: options.trustProxy === true, body }),
    );
  } catch (error) {
    // The engine answers its own failures; getting here is a bug, not a client error.
    tasks.report(error);
    response = errorResponse(500, 'INTERNAL', 'internal error');
  }
  return send(tasks, response, res);
}

/**
 * The handler's context. The caller's address is looked up only when the engine asks for it (only
 * the bearer-token routes do, to throttle failed attempts): it costs a `getpeername` system call,
 * a large share of what answering a webhook costs the adapter.
 */
function engineContext(
  tasks: BackgroundTasks,
  req: IncomingMessage,
  { trustProxy, body }: { trustProxy: boolean; body: Uint8Array | undefined },
): HandlerContext {
  let clientAddress: string | undefined;
  let looked = false;
  return {
    waitUntil: tasks.waitUntil,
    // The bytes the Request's body was made from: the engine reads them instead of the stream.
    ...(body ? { body } : {}),
    get clientAddress() {
      if (!looked) {
        clientAddress = clientAddressOf(req, trustProxy) || undefined;
        looked = true;
      }
      return clientAddress;
    },
  };
}

/**
 * Who is calling, for the engine's per-source throttle: the socket's peer, or behind a trusted proxy
 * the last `X-Forwarded-For` entry, the one that proxy added itself (earlier ones are the client's
 * word and free to forge).
 */
export function clientAddressOf(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').pop()?.trim();
    if (last && /^[0-9A-Fa-f:.]{2,45}$/.test(last)) return last;
  }
  return req.socket.remoteAddress;
}

/**
 * The `Request` the engine gets. Unlike the public `incomingMessageToRequest`, the body is read whole
 * first and handed over as bytes, and there is no abort signal: the engine reads every body it is
 * given at once and never listens for aborts. For core's own handler it is an {@link engineRequestOf}
 * request: no Web body stream is built unless someone asks the request for its body.
 */
async function engineRequest(
  req: IncomingMessage,
  options: NodeRequestOptions & { light: boolean },
): Promise<{ request: Request; body?: Uint8Array }> {
  const limit = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  const method = (req.method ?? 'GET').toUpperCase();
  const url = requestUrl(req, options);
  const headers = new Headers();
  const requestOf = options.light ? engineRequestOf : realRequestOf;
  if (method === 'GET' || method === 'HEAD') {
    toHeaders(req, headers);
    return { request: requestOf(method, url, headers) };
  }
  if (Number(req.headers['content-length']) > limit) throw new PayloadTooLargeError(limit);
  // A body parser may have inflated what it read: the bytes passed on are then no longer encoded.
  const skip = alreadyRead(req) ? notOfDecodedBody : notOfWholeBody;
  const body = await readWholeBody(req, limit);
  toHeaders(req, headers, skip);
  // The body is whole now: describe it, not how it travelled.
  headers.set('content-length', String(body.byteLength));
  return { request: requestOf(method, url, headers, body), body };
}

function realRequestOf(
  method: string,
  url: string,
  headers: Headers,
  body?: Uint8Array<ArrayBuffer>,
): Request {
  return new Request(url, { method, headers, ...(body ? { body } : {}) });
}

/** Whether `handler` is core's own, which takes an {@link engineRequestOf} request (see core's handler.ts). */
function takesAdapterRequests(handler: unknown): boolean {
  return (handler as Record<symbol, unknown>)[Symbol.for('wg-sync.handler.takes-adapter-requests')] === true;
}

/** Headers that described how a body travelled, not the whole bytes handed on. */
function notOfWholeBody(name: string): boolean {
  return name === 'transfer-encoding' || name === 'content-length';
}

/** As {@link notOfWholeBody}, for a body a parser has already decoded (and maybe inflated). */
function notOfDecodedBody(name: string): boolean {
  return notOfWholeBody(name) || name === 'content-encoding';
}

async function send(tasks: BackgroundTasks, response: Response, res: ServerResponse): Promise<void> {
  // Answered before the client finished sending (a 413, a 415 on a large body): closing is cheaper
  // than reading the rest just to keep the connection alive, and bounds what a client can push.
  if (!res.req.complete) res.setHeader('connection', 'close');
  try {
    await writeResponse(response, res);
  } catch (error) {
    // The response body failed mid-way; writeResponse already cut the connection.
    tasks.report(error);
  }
}

function tooLarge(limit: number): Response {
  // Close the connection: whatever is left of the body is not worth reading.
  return errorResponse(413, 'BODY_TOO_LARGE', `request bodies are at most ${limit} bytes`, {
    headers: { connection: 'close' },
  });
}
