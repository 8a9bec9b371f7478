import { createHash, timingSafeEqual } from 'node:crypto';
import { wholeResponse } from './whole-response.js';

/**
 * A JSON answer with the headers every wg-sync answer carries (`content-type` JSON, `cache-control:
 * no-store`), for adapters that answer something themselves.
 */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return wholeResponse(JSON.stringify(body), status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
}

/** Core's short name for {@link jsonResponse}. */
export const json = jsonResponse;

/** Options of {@link errorResponse}. */
export interface ErrorResponseOptions {
  /** Put in the body and in `x-request-id`: it leads to the log line that holds the detail. */
  requestId?: string;
  /** More headers (`allow`, `retry-after`, `connection`, …). */
  headers?: Record<string, string>;
}

/**
 * wg-sync's one error answer, `{"error":{"code","message"[,"requestId"]}}`: what core's handler and
 * both adapters send, so a client reads every error the same way whichever part answered.
 *
 * @example
 * ```ts
 * return errorResponse(413, 'BODY_TOO_LARGE', 'request bodies are at most 65536 bytes', {
 *   headers: { connection: 'close' },
 * });
 * ```
 */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  options: ErrorResponseOptions = {},
): Response {
  const { requestId, headers = {} } = options;
  return requestId === undefined
    ? jsonResponse({ error: { code, message } }, status, headers)
    : jsonResponse({ error: { code, message, requestId } }, status, {
        ...headers,
        'x-request-id': requestId,
      });
}

/** Constant-time comparison of two secrets (hashing first hides their lengths too). */
export function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const utf8 = new TextDecoder();

/**
 * Reads a request body up to `limit` bytes; `undefined` when it is larger.
 * @param whole - The same body as bytes, when the adapter has already read it (see
 *   `HandlerContext.body`): decoded instead of reading `request.body` again.
 */
export async function readBody(
  request: Request,
  limit: number,
  whole?: Uint8Array,
): Promise<string | undefined> {
  if (whole) return whole.byteLength > limit ? undefined : utf8.decode(whole);
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return utf8.decode(Buffer.concat(chunks));
}
