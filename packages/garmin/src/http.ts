import type * as z from 'zod/mini';
import { GarminApiError, type GarminErrorCode } from './errors.js';
import { excerpt, redact, safeCause } from './redact.js';
import { apiError, jsonRateLimit, oauthError } from './schemas.js';
import { ENGLISH } from './zod-english.js';

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

/** Parses a JSON body; empty or non-JSON is `PROTOCOL` (never "no data"). */
export function parseJson(response: ReadResponse, what: string): unknown {
  if (response.text.trim() === '') {
    throw new GarminApiError('PROTOCOL', `${what} answered ${response.status} with an empty body`, {
      status: response.status,
    });
  }
  try {
    return JSON.parse(response.text);
  } catch {
    throw new GarminApiError(
      'PROTOCOL',
      `${what} answered ${response.status} with a body that is not JSON (${describeBody(response)})`,
      { status: response.status },
    );
  }
}

/**
 * Validates a parsed body; a mismatch is `PROTOCOL` naming the first offending paths. The message
 * is built from the path and the kind of value found (`is missing`, `got null`, `got a string`),
 * never from the value itself or zod's wording, so a token in a mistyped field cannot end up in it.
 */
export function parseWith<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  what: string,
  status?: number,
): z.infer<T> {
  const result = schema.safeParse(value, { error: ENGLISH });
  if (result.success) return result.data;
  // "path is missing", not "path: missing": redact() scrubs whatever follows `access_token:`.
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'} ${describeIssue(issue, value)}`)
    .join('; ');
  throw new GarminApiError('PROTOCOL', `${what} answered an unexpected shape (${kindOf(value)}): ${issues}`, {
    ...(status === undefined ? {} : { status }),
  });
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  let found: unknown = root;
  for (const key of issue.path) {
    found =
      found !== null && typeof found === 'object' ? (found as Record<PropertyKey, unknown>)[key] : undefined;
  }
  if (found === undefined) return 'is missing';
  const expected =
    issue.code === 'invalid_type'
      ? `should be ${article(issue.expected)}`
      : `is ${issue.code.replaceAll('_', ' ')}`;
  return `${expected}, got ${kindOf(found)}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `an array of 3`, `null`, `a string`, … (the kind of a value, never the value). */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : article(typeof value);
}

function describeBody(response: ReadResponse): string {
  const type = response.headers.get('content-type') ?? 'no content type';
  return `${type}, ${response.text.length} bytes`;
}

/** True for an HTML answer (Cloudflare pages, legacy error pages). */
export function isHtml(response: ReadResponse): boolean {
  return (
    (response.headers.get('content-type') ?? '').includes('text/html') ||
    /^\s*<(!doctype|html)/i.test(response.text)
  );
}

/** True when Cloudflare (not Garmin's application) produced the answer. */
export function isCloudflare(response: ReadResponse): boolean {
  return (
    response.headers.has('cf-mitigated') ||
    /cloudflare/i.test(response.headers.get('server') ?? '') ||
    /cloudflare|just a moment|cf-error|challenge-platform/i.test(response.text)
  );
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds, when present. */
export function retryAfterMs(headers: Headers, now: Date = new Date()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** True when a body carries Garmin's `{"error":{"status-code":"429"}}`. */
export function isJsonRateLimit(response: ReadResponse): boolean {
  if (!response.text.includes('status-code')) return false;
  try {
    const parsed = jsonRateLimit.safeParse(JSON.parse(response.text), { error: ENGLISH });
    return parsed.success && String(parsed.data.error['status-code']) === '429';
  } catch {
    return false;
  }
}

const BROWSER_HINT =
  'sign in with garminBrowserLogin() (a real browser gets through), or paste a service ticket into exchangeServiceTicket()';

/**
 * The error for a non-success answer: rate limits, Cloudflare pages, 401/403/404, 5xx. Callers
 * handle their endpoint's special cases (login types, `invalid_grant`, upload envelopes) first.
 */
export function failure(response: ReadResponse, what: string, ctx: HttpContext): GarminApiError {
  const status = response.status;
  const secrets = ctx.secrets();
  const wait = retryAfterMs(response.headers);
  const waitText = wait === undefined ? '' : ` (Retry-After: ${Math.ceil(wait / 1000)} s)`;
  const options = { status, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  const html = isHtml(response);
  if (status === 429 || isJsonRateLimit(response)) {
    const source = html && isCloudflare(response) ? 'Cloudflare is rate-limiting' : 'Garmin is rate-limiting';
    return new GarminApiError(
      'RATE_LIMITED',
      `${what}: ${source} this client${waitText}. Wait before trying again (minutes to hours for logins); never retry a login in a loop. If it persists, ${BROWSER_HINT}`,
      options,
    );
  }
  // Cloudflare's own 5xx pages (502, 504, 52x) mean Garmin's origin failed, not that we are blocked:
  // they stay UPSTREAM, so a 504 on a big upload is split rather than reported as a block.
  if (html && status < 500 && (isCloudflare(response) || status === 403)) {
    return new GarminApiError(
      'BLOCKED',
      `${what}: blocked by Cloudflare (HTTP ${status}, an HTML challenge page). Garmin blocks non-browser logins; ${BROWSER_HINT}`,
      options,
    );
  }
  const detail = errorDetail(response, secrets);
  const codeFor: Record<number, GarminErrorCode> = {
    401: 'AUTH_EXPIRED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
  };
  const code = codeFor[status] ?? (status >= 200 && status < 300 ? 'PROTOCOL' : 'UPSTREAM');
  const advice: Partial<Record<GarminErrorCode, string>> = {
    AUTH_EXPIRED: ': the access token is not accepted; log in again',
    FORBIDDEN: ': Garmin refused the request; retry later (do not log in again in a loop)',
    NOT_FOUND: ': no such record or path',
    UPSTREAM: status >= 500 ? ': Garmin is having trouble; retry later' : '',
  };
  return new GarminApiError(
    code,
    `${what} answered HTTP ${status}${detail ? ` ${detail}` : ''}${advice[code] ?? ''}`,
    options,
  );
}

/** Garmin's own words from an error body (`error`/`message`/`error_description`), scrubbed. */
export function errorDetail(response: ReadResponse, secrets: Array<string | null | undefined>): string {
  if (response.text.trim() === '') return '';
  if (isHtml(response)) return '(an HTML page)';
  try {
    const body: unknown = JSON.parse(response.text);
    const oauth = oauthError.safeParse(body, { error: ENGLISH });
    if (oauth.success) {
      const description = oauth.data.error_description ? `: ${oauth.data.error_description}` : '';
      return `(${excerpt(`${oauth.data.error}${description}`, secrets)})`;
    }
    const api = apiError.safeParse(body, { error: ENGLISH });
    if (api.success && (api.data.error || api.data.message)) {
      return `(${excerpt([api.data.error, api.data.message].filter(Boolean).join(': '), secrets)})`;
    }
  } catch {
    // not JSON: fall through to a raw excerpt
  }
  return `(${excerpt(response.text, secrets, 80)})`;
}
