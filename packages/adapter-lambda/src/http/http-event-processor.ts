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

/** Parse and send for one HTTP event shape: both are pure (the event in, a Request out; a Response in, a result out). */
export interface HttpEventProcessor<E, R> {
  readonly name: 'api-gateway-v1' | 'api-gateway-v2' | 'function-url';
  matches(event: unknown): event is E;
  toRequest(event: E, options?: ToRequestOptions): Request;
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

/** Runs one processor end to end, keeping the event's type paired with its processor. */
export async function viaProcessor(
  processor: AnyHttpEventProcessor,
  event: unknown,
  handle: (request: Request) => Promise<Response>,
  options: ToRequestOptions = {},
): Promise<ApiGatewayV1Result | ApiGatewayV2Result> {
  const typed = processor as HttpEventProcessor<unknown, ApiGatewayV1Result | ApiGatewayV2Result>;
  return typed.toResult(await handle(typed.toRequest(event, options)));
}
