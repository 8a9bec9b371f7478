import { randomUUID } from 'node:crypto';
import { errorResponse, type Logger } from '@wg-sync/core';
import type {
  ApiGatewayV1Event,
  ApiGatewayV1Result,
  ApiGatewayV2Event,
  ApiGatewayV2Result,
} from '../lambda-events.js';
import { apiGatewayV1 } from './api-gateway-v1.js';
import { apiGatewayV2, functionUrl } from './api-gateway-v2.js';
import { withinBasePath } from './web-request.js';

/** Options of {@link HttpEventProcessor.toRequest}. */
export interface ToRequestOptions {
  /**
   * A custom-domain base path (`/wg`): removed from the front of every path, as whole segments; a
   * path outside it is not the app's.
   */
  basePath?: string;
}

/** Parse and send for one HTTP event shape: all pure (the event in, a Request out; a Response in, a result out). */
export interface HttpEventProcessor<E, R> {
  readonly name: 'api-gateway-v1' | 'api-gateway-v2' | 'function-url';
  matches(event: unknown): event is E;
  /** The event as a Web `Request`, base path (when the path is under it) and stage removed. */
  toRequest(event: E, options?: ToRequestOptions): Request;
  /** The path as the event carries it, base path and stage included. */
  path(event: E): string;
  /** The caller's address from the request context (never from a header), when the event has one. */
  clientAddress(event: E): string | undefined;
  toResult(response: Response): Promise<R>;
}

/** Any of the processors below. */
export type AnyHttpEventProcessor =
  | HttpEventProcessor<ApiGatewayV1Event, ApiGatewayV1Result>
  | HttpEventProcessor<ApiGatewayV2Event, ApiGatewayV2Result>;

/**
 * Every HTTP shape the adapter accepts, most specific first (a Function URL event is also a valid
 * payload 2.0 event). The only place where the shapes differ.
 */
const processors: readonly AnyHttpEventProcessor[] = [functionUrl, apiGatewayV2, apiGatewayV1];

/** The processor for an HTTP event, or `undefined` when the event is not an HTTP event. */
export function httpProcessorFor(event: unknown): AnyHttpEventProcessor | undefined {
  return processors.find((processor) => processor.matches(event));
}

/** What the event says about the request besides the request itself. */
export interface RequestInfo {
  /** See {@link HttpEventProcessor.clientAddress}. */
  clientAddress?: string;
}

/** Options of {@link viaProcessor}. */
export interface ViaProcessorOptions extends ToRequestOptions {
  /** Where failures of the translation itself go (default: nowhere). */
  log?: Logger;
  /** Echoed in a generic error answer (body and `x-request-id`) and in its log line. */
  requestId?: string;
}

/**
 * Runs one processor end to end, keeping the event's type paired with its processor. An event that
 * cannot become a Web `Request` (a method fetch refuses, say) is answered 400, and any other failure
 * 500, both with a generic body and a request id: the caller may be anyone on the internet, the
 * detail goes to `log`.
 */
export async function viaProcessor(
  processor: AnyHttpEventProcessor,
  event: unknown,
  handle: (request: Request, info: RequestInfo) => Promise<Response>,
  options: ViaProcessorOptions = {},
): Promise<ApiGatewayV1Result | ApiGatewayV2Result> {
  const typed = processor as HttpEventProcessor<unknown, ApiGatewayV1Result | ApiGatewayV2Result>;
  const { log, requestId: given, ...toRequest } = options;
  const requestId = given ?? randomUUID();
  let request: Request;
  try {
    request = typed.toRequest(event, toRequest);
  } catch (error) {
    log?.warn('lambda.request.malformed', { processor: processor.name, requestId, error });
    return typed.toResult(errorResponse(400, 'BAD_REQUEST', 'malformed request', { requestId }));
  }
  if (withinBasePath(typed.path(event), toRequest.basePath) === undefined) {
    // Not through the custom domain's mapping (the bare execute-api URL, a Function URL, another
    // prefix): the answer is core's own for a route that does not exist, so it tells nobody that a
    // base path is set, let alone which. The path stays out of the log: it may hold the secret.
    log?.info('lambda.request.outside-base-path', { processor: processor.name, requestId });
    return typed.toResult(answerTo(request, NOT_FOUND()));
  }
  try {
    const address = typed.clientAddress(event);
    return await typed.toResult(await handle(request, address ? { clientAddress: address } : {}));
  } catch (error) {
    log?.error('lambda.http.failed', { processor: processor.name, requestId, error });
    return typed.toResult(answerTo(request, errorResponse(500, 'INTERNAL', 'internal error', { requestId })));
  }
}

/**
 * `response` as the answer to `request`: to a HEAD, the same status and headers without the body, as
 * core's handler answers it. Only for the answers this adapter makes itself (core's come ready). The
 * 400 for an event that cannot become a `Request` needs none: fetch refuses no HEAD.
 */
export function answerTo(request: Request, response: Response): Response {
  if (request.method !== 'HEAD') return response;
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Byte for byte core's answer to a path it has no route for. */
const NOT_FOUND = () => errorResponse(404, 'NOT_FOUND', 'no such route');
