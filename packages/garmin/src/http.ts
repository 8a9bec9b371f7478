import type { z } from 'zod';
import { GarminApiError, type GarminErrorCode } from './errors.js';
import { excerpt, redact, safeCause } from './redact.js';
import { apiError, jsonRateLimit, oauthError } from './schemas.js';

/** What one flow needs to send requests: the fetch, limits, the debug hook and its secrets. */
export interface HttpContext {
  fetch: typeof fetch;
  timeoutMs: number;
  debug?: ((line: string) => void) | undefined;
  /** Every secret value in play right now (password, tokens, code, ticket), for scrubbing. */
  secrets: () => Array<string | null | undefined>;
}

/** Builds a context from user options. */
export function httpContext(
  options: { fetch?: typeof fetch; timeoutMs?: number; debug?: (line: string) => void },
  secrets: () => Array<string | null | undefined>,
): HttpContext {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('no fetch available: pass options.fetch');
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be a positive number of milliseconds');
  // Called as a plain function: some fetch implementations refuse another `this`.
  return { fetch: (input, init) => fetchImpl(input, init), timeoutMs, debug: options.debug, secrets };
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
 * become `UPSTREAM` errors whose message and cause are scrubbed.
 */
export async function send(
  ctx: HttpContext,
  method: string,
  url: string,
  init: { headers: Headers; body?: BodyInit },
): Promise<ReadResponse> {
  const what = label(method, url);
  const started = performance.now();
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  try {
    const response = await ctx.fetch(url, {
      method,
      headers: init.headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      redirect: 'manual',
      signal,
    });
    const text = await response.text();
    log(ctx, `${what} → ${response.status} (${Math.round(performance.now() - started)} ms)`);
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    const timedOut = signal.aborted;
    log(
      ctx,
      `${what} → ${timedOut ? 'timeout' : 'network error'} (${Math.round(performance.now() - started)} ms)`,
    );
    const reason = timedOut
      ? `no complete answer within ${ctx.timeoutMs} ms`
      : describeNetworkError(error, ctx.secrets());
    throw new GarminApiError('UPSTREAM', `${what} failed: ${reason}`, {
      cause: safeCause(error, ctx.secrets()),
    });
  }
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

/** Validates a parsed body; a mismatch is `PROTOCOL` naming the first offending paths (no values). */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
  status?: number,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const shape = Array.isArray(value) ? `an array of ${value.length}` : value === null ? 'null' : typeof value;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new GarminApiError('PROTOCOL', `${what} answered an unexpected shape (${shape}): ${issues}`, {
    ...(status === undefined ? {} : { status }),
  });
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
    const parsed = jsonRateLimit.safeParse(JSON.parse(response.text));
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
  if (html && (isCloudflare(response) || status === 403)) {
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
    const oauth = oauthError.safeParse(body);
    if (oauth.success) {
      const description = oauth.data.error_description ? `: ${oauth.data.error_description}` : '';
      return `(${excerpt(`${oauth.data.error}${description}`, secrets)})`;
    }
    const api = apiError.safeParse(body);
    if (api.success && (api.data.error || api.data.message)) {
      return `(${excerpt([api.data.error, api.data.message].filter(Boolean).join(': '), secrets)})`;
    }
  } catch {
    // not JSON: fall through to a raw excerpt
  }
  return `(${excerpt(response.text, secrets, 80)})`;
}
