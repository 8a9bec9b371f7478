import { randomUUID } from 'node:crypto';
import type { Logger } from '@wg-sync/core';
import type {
  ApiGatewayV1Event,
  ApiGatewayV1Result,
  ApiGatewayV2Event,
  ApiGatewayV2Result,
} from '../lambda-events.js';
import { apiGatewayV1 } from './api-gateway-v1.js';
import { apiGatewayV2, functionUrl } from './api-gateway-v2.js';

/** Options of {@link HttpEventProcessor.toRequest}. */
export interface ToRequestOptions {
  /** A custom-domain base path to remove from the front of every path (`/wg`). */
  basePath?: string;
}

/** Parse and send for one HTTP event shape: all pure (the event in, a Request out; a Response in, a result out). */
export interface HttpEventProcessor<E, R> {
  readonly name: 'api-gateway-v1' | 'api-gateway-v2' | 'function-url';
  matches(event: unknown): event is E;
  toRequest(event: E, options?: ToRequestOptions): Request;
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
    return typed.toResult(genericError(400, 'BAD_REQUEST', 'malformed request', requestId));
  }
  try {
    const address = typed.clientAddress(event);
    return await typed.toResult(await handle(request, address ? { clientAddress: address } : {}));
  } catch (error) {
    log?.error('lambda.http.failed', { processor: processor.name, requestId, error });
    return typed.toResult(genericError(500, 'INTERNAL', 'internal error', requestId));
  }
}

/**
 * The answer shape core uses for errors, `{"error":{"code","message","requestId"}}`, for answers the
 * adapter has to build itself; the request id leads to the log line that holds the detail.
 */
export function genericError(status: number, code: string, message: string, requestId: string): Response {
  return jsonResponse({ error: { code, message, requestId } }, status, { 'x-request-id': requestId });
}

/** A JSON answer with the headers core's answers carry. */
export function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}
