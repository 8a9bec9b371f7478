import { GarminApiError } from './errors.js';
import type { GarminClientOptions } from './garmin-client-options.js';
import {
  failure,
  type HttpContext,
  isJsonRateLimit,
  isRefusedAnswer,
  label,
  type ReadResponse,
  send,
} from './http.js';
import { nativeHeaders } from './native-headers.js';
import { type RetryPolicy, retryDelay, sleep } from './retry.js';
import type { TokenKeeper } from './token-keeper.js';

/** A read may be retried after a 429, a 5xx or a network failure; a write only when it cannot have been processed. */
export type RequestKind = 'read' | 'write';

/** What every API call of one `GarminClient` shares. */
export interface ApiSession {
  /** The API host (`https://connectapi.garmin.com` or the configured one). */
  connectapi: string;
  keeper: TokenKeeper;
  ctx: HttpContext;
  policy: RetryPolicy;
  /** The client's options, read at each call (the `headers` overrides). */
  options: GarminClientOptions;
}

/** One API call: what to send, and which non-2xx answers the caller reads itself. */
export interface ApiRequest {
  method: string;
  pathAndQuery: string;
  kind: RequestKind;
  body?: () => BodyInit;
  headers?: Record<string, string>;
  keep?: (r: ReadResponse) => boolean;
}

/**
 * One API call with auth, refresh and retries. Returns a 2xx answer (or one `keep` accepts);
 * throws a typed error for anything else. Reads retry 429/5xx/network failures; writes retry
 * only what cannot have been processed (429, 503, connection refused). A 401 is followed by one
 * refresh and one more try.
 */
export async function apiRequest(session: ApiSession, request: ApiRequest): Promise<ReadResponse> {
  const { method, pathAndQuery, kind } = request;
  const url = `${session.connectapi}${pathAndQuery}`;
  const what = label(method, url);
  let refreshed = false;
  for (let attempt = 0; ; ) {
    const token = await session.keeper.accessToken();
    const headers = nativeHeaders(
      { ...request.headers, Authorization: `Bearer ${token}` },
      session.options.headers,
    );
    let response: ReadResponse;
    try {
      response = await send(session.ctx, method, url, {
        headers,
        ...(request.body ? { body: request.body() } : {}),
      });
    } catch (error) {
      // A redirect or an oversized body would come back the same way: fail now, do not retry.
      if (isRefusedAnswer(error)) throw error;
      const wait = kind === 'read' || neverSent(error) ? retryDelay(session.policy, attempt) : undefined;
      if (wait === undefined) throw error;
      await sleep(wait);
      attempt += 1;
      continue;
    }
    if (response.status === 401 && !refreshed) {
      refreshed = true;
      await session.keeper.afterUnauthorized(token);
      continue;
    }
    const ok = response.status >= 200 && response.status < 300 && !isJsonRateLimit(response);
    if (ok || request.keep?.(response)) return response;
    const error =
      response.status === 401
        ? new GarminApiError(
            'AUTH_EXPIRED',
            `${what} answered 401 even with a freshly refreshed token: Garmin no longer accepts these tokens; log in again`,
            { status: 401 },
          )
        : failure(response, what, session.ctx);
    const retryable =
      error.code === 'RATE_LIMITED' || (kind === 'read' ? response.status >= 500 : response.status === 503);
    const wait = retryable ? retryDelay(session.policy, attempt, error.retryAfterMs) : undefined;
    if (wait === undefined) throw error;
    await sleep(wait);
    attempt += 1;
  }
}

/** True when the request provably never reached Garmin (refused connection, unknown host). */
function neverSent(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true;
  }
  return false;
}
