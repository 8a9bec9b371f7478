import { GarminApiError } from './errors.js';
import { redact, safeCause } from './redact.js';

/**
 * Default cap on one response body: 5 MiB, far above any answer we know of (the recorded answers are a
 * few KiB). Anything bigger is broken or hostile, and reading it whole would cost that much memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** What one flow needs to send requests: the fetch, limits, the debug hook and its secrets. */
export interface HttpContext {
  fetch: typeof fetch;
  timeoutMs: number;
  /** The most bytes read from one response body. */
  maxResponseBytes: number;
  debug?: ((line: string) => void) | undefined;
  /** Every secret value in play right now (password, tokens, code, ticket), for scrubbing. */
  secrets: () => Array<string | null | undefined>;
}

/** Builds a context from user options. */
export function httpContext(
  options: {
    fetch?: typeof fetch;
    timeoutMs?: number;
    maxResponseBytes?: number;
    debug?: (line: string) => void;
  },
  secrets: () => Array<string | null | undefined>,
): HttpContext {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('no fetch available: pass options.fetch');
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be a positive number of milliseconds');
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw new RangeError('maxResponseBytes must be a positive whole number of bytes');
  }
  return {
    // Called as a plain function: some fetch implementations refuse another `this`.
    fetch: (input, init) => fetchImpl(input, init),
    timeoutMs,
    maxResponseBytes,
    debug: options.debug,
    secrets,
  };
}

/** Errors {@link send} raised on an answer it refused (a redirect, an oversized body). */
const refusedAnswers = new WeakSet<Error>();

/**
 * True when `error` is an answer {@link send} refused: asking again would get the same answer
 * (and download another oversized body), so it is never retried.
 */
export function isRefusedAnswer(error: unknown): boolean {
  return error instanceof Error && refusedAnswers.has(error);
}

/** A label for messages and debug lines: method and path, never the query string. */
export function label(method: string, url: string): string {
  return `${method} ${new URL(url).pathname}`;
}

/** A response with its body read as text. */
export interface ReadResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Sends one request and reads the whole answer. Network failures, timeouts and unreadable bodies
 * become `UPSTREAM` errors whose message and cause are scrubbed. Redirects are never followed and
 * the body is read up to `ctx.maxResponseBytes` only: both are `UPSTREAM` errors too.
 */
export async function send(
  ctx: HttpContext,
  method: string,
  url: string,
  init: { headers: Headers; body?: BodyInit },
): Promise<ReadResponse> {
  const what = label(method, url);
  const started = performance.now();
  const took = () => `${Math.round(performance.now() - started)} ms`;
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await ctx.fetch(url, {
      method,
      headers: init.headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      // Following would re-send the password, ticket or tokens to whatever a Location names;
      // none of Garmin's API, SSO JSON or DI token endpoints answers with a redirect.
      redirect: 'manual',
      signal,
    });
    if (isRedirect(response)) {
      response.body?.cancel().catch(() => undefined);
      log(ctx, `${what} → ${response.status || 'opaque'} redirect, not followed (${took()})`);
      // The Location value is left out on purpose: it is chosen by whoever answered.
      const status = response.status === 0 ? 'an opaque redirect' : `HTTP ${response.status}`;
      throw refused(
        new GarminApiError(
          'UPSTREAM',
          `${what} answered an unexpected redirect (${status}); wg-sync never follows redirects`,
          response.status === 0 ? {} : { status: response.status },
        ),
      );
    }
    text = await readCapped(response, what, ctx, took);
  } catch (error) {
    if (isRefusedAnswer(error)) throw error;
    const timedOut = signal.aborted;
    log(ctx, `${what} → ${timedOut ? 'timeout' : 'network error'} (${took()})`);
    const reason = timedOut
      ? `no complete answer within ${ctx.timeoutMs} ms`
      : describeNetworkError(error, ctx.secrets());
    throw new GarminApiError('UPSTREAM', `${what} failed: ${reason}`, {
      cause: safeCause(error, ctx.secrets()),
    });
  }
  log(ctx, `${what} → ${response.status} (${took()})`);
  return { status: response.status, headers: response.headers, text };
}

function refused(error: GarminApiError): GarminApiError {
  refusedAnswers.add(error);
  return error;
}

/**
 * A 3xx, or what browsers and some fetch implementations return for one under `redirect: 'manual'`
 * (type `opaqueredirect`, status 0, no headers).
 */
function isRedirect(response: Response): boolean {
  return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
}

/**
 * The body as text (UTF-8, like `response.text()`), but never more than `ctx.maxResponseBytes` of it. A
 * declared `Content-Length` over the limit fails before anything is read; otherwise the stream is
 * counted chunk by chunk (decoded bytes, so a gzip bomb counts at its real size) and cancelled once
 * past the limit, which drops the connection instead of downloading the rest.
 */
async function readCapped(
  response: Response,
  what: string,
  ctx: HttpContext,
  took: () => string,
): Promise<string> {
  const limit = ctx.maxResponseBytes;
  const tooLarge = () => {
    log(ctx, `${what} → ${response.status}, body over ${bytes(limit)}: dropped (${took()})`);
    return refused(
      new GarminApiError(
        'UPSTREAM',
        `${what}: response body is over ${bytes(limit)} (HTTP ${response.status}); the connection was dropped`,
        { status: response.status },
      ),
    );
  };
  const declared = response.headers.get('content-length')?.trim();
  if (declared && /^\d+$/.test(declared) && Number(declared) > limit) {
    response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  // Streaming decode keeps a character split across two chunks intact; BOM and bad bytes are
  // handled as response.text() handles them (BOM dropped, U+FFFD).
  const decoder = new TextDecoder();
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    received += value.byteLength;
    if (received > limit) {
      // Not awaited: a stream whose cancel never settles must not hang the call.
      reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

/** `5 MiB`, `64 KiB` or `1000 bytes`, for messages. */
function bytes(count: number): string {
  if (count % (1024 * 1024) === 0) return `${count / (1024 * 1024)} MiB`;
  if (count % 1024 === 0) return `${count / 1024} KiB`;
  return `${count} bytes`;
}

function describeNetworkError(error: unknown, secrets: Array<string | null | undefined>): string {
  if (!(error instanceof Error)) return 'the request failed';
  const inner = error.cause instanceof Error ? error.cause : undefined;
  const code = (inner as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown }).code;
  const detail = inner ? inner.message : error.message;
  return redact(`${typeof code === 'string' ? `${code}: ` : ''}${detail}`, secrets);
}

function log(ctx: HttpContext, line: string): void {
  if (!ctx.debug) return;
  try {
    ctx.debug(redact(line, ctx.secrets()));
  } catch {
    // A failing logger must never break a request.
  }
}

// Reading a body and classifying a failed answer live next door; re-exported so a flow imports
// its HTTP needs from one place.
export { errorDetail, failure, isHtml, isJsonRateLimit } from './http-failure.js';
export { parseJson, parseWith } from './parse-response.js';
