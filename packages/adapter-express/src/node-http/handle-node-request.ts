import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sync } from '@wg-sync/core';
import type { BackgroundTasks } from './background-tasks.js';
import {
  exceededBodyLimit,
  type IncomingMessageToRequestOptions,
  incomingMessageToRequest,
} from './incoming-message-to-request.js';
import { PayloadTooLargeError } from './payload-too-large-error.js';
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
 * One request through the engine: convert, `sync.handler` with a tracked `waitUntil`, write back.
 * Never rejects: what cannot become an answer goes to the tasks' error handler.
 */
export async function handleNodeRequest(
  sync: Pick<Sync, 'handler'>,
  tasks: BackgroundTasks,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeRequestOptions,
): Promise<void> {
  let request: Request;
  try {
    request = incomingMessageToRequest(req, { ...options, res });
  } catch (error) {
    const response =
      error instanceof PayloadTooLargeError
        ? tooLarge(error.limit)
        : failure(400, 'BAD_REQUEST', 'the request line or headers cannot form a request');
    return send(tasks, response, res);
  }
  let response: Response;
  try {
    response = await sync.handler(request, { waitUntil: tasks.waitUntil });
  } catch (error) {
    // The engine answers its own failures; getting here is a bug, not a client error.
    tasks.report(error);
    response = failure(500, 'INTERNAL', 'internal error');
  }
  const limit = exceededBodyLimit(request);
  if (limit !== undefined) {
    // The engine only saw a failing body stream; the client should learn why.
    await response.body?.cancel().catch(() => undefined);
    response = tooLarge(limit);
  }
  return send(tasks, response, res);
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
  return failure(413, 'BODY_TOO_LARGE', `request bodies are at most ${limit} bytes`, { connection: 'close' });
}

/** The engine's error shape, `{ "error": { "code", "message" } }`, for the few answers made here. */
function failure(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}
