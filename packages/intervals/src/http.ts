import type * as z from 'zod/mini';
import { IntervalsApiError } from './errors.js';
import { excerpt, keySecrets, scrub } from './redact.js';
import { ENGLISH } from './zod-english.js';

/** The default API host. */
export const INTERVALS_API_URL = 'https://intervals.icu';
/** Default time limit for one HTTP request (each retry gets its own). */
export const DEFAULT_TIMEOUT_MS = 15_000;
/**
 * Default cap on one response body: 5 MiB. A year of wellness records is a few hundred KiB; anything
 * far bigger is broken or hostile, and reading it whole would cost that much memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/** Default number of retries after a 429, a 5xx or a network failure. */
export const DEFAULT_RETRIES = 2;
/** Default wait before the first retry (doubled for each next one), when the server names none. */
export const DEFAULT_RETRY_DELAY_MS = 500;
/** Default longest wait before a retry; a longer `Retry-After` is thrown as `RATE_LIMITED` at once. */
export const DEFAULT_MAX_RETRY_WAIT_MS = 10_000;

/** Where and how requests go, with every default filled in. */
export interface Transport {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  maxResponseBytes: number;
  retries: number;
  retryDelayMs: number;
  maxRetryWaitMs: number;
  /** The `Authorization` header value. */
  authorization: string;
  /** Every form of the key that must never appear in an error. */
  secrets: string[];
}

/** The transport options a caller may give. */
export interface TransportOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  maxResponseBytes?: number | undefined;
  retries?: number | undefined;
  retryDelayMs?: number | undefined;
  maxRetryWaitMs?: number | undefined;
}

/**
 * Fills in the defaults and checks every option once, before anything is sent.
 * @throws RangeError for an empty key, a base URL that is not http(s), or a limit that is not a
 *   whole number in range. The message never quotes the key.
 */
export function createTransport(options: TransportOptions): Transport {
  const { apiKey } = options;
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    throw new RangeError('apiKey must be a non-empty string (intervals.icu: Settings, Developer Settings)');
  }
  if (/\s/.test(apiKey)) throw new RangeError('apiKey contains whitespace; copy the key again');
  const baseUrl = (options.baseUrl ?? INTERVALS_API_URL).replace(/\/+$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(baseUrl);
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
    parsed.search ||
    parsed.hash
  ) {
    throw new RangeError('baseUrl must be an http(s) URL without query or fragment');
  }
  const whole = (name: string, value: number | undefined, fallback: number, min: number, max?: number) => {
    const result = value ?? fallback;
    if (!Number.isSafeInteger(result) || result < min || (max !== undefined && result > max)) {
      const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new RangeError(`${name} must be a whole number ${range}`);
    }
    return result;
  };
  const pair = `API_KEY:${apiKey}`;
  return {
    baseUrl,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: whole('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, 1),
    maxResponseBytes: whole('maxResponseBytes', options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, 1),
    retries: whole('retries', options.retries, DEFAULT_RETRIES, 0, 10),
    retryDelayMs: whole('retryDelayMs', options.retryDelayMs, DEFAULT_RETRY_DELAY_MS, 0),
    maxRetryWaitMs: whole('maxRetryWaitMs', options.maxRetryWaitMs, DEFAULT_MAX_RETRY_WAIT_MS, 0),
    authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`,
    secrets: keySecrets(apiKey),
  };
}

/** One API request. */
export interface IntervalsCall {
  method: 'GET' | 'PUT';
  /** Path from the host, already encoded (`/api/v1/athlete/0/wellness`). */
  path: string;
  query?: Record<string, string>;
  /** A JSON body (PUT). */
  body?: unknown;
}

/**
 * Sends one call, retrying a 429, a 5xx or a network failure up to `transport.retries` times (GET
 * and this PUT are idempotent), and returns the parsed JSON body of the answer.
 * @throws {@link IntervalsApiError} for every failure.
 */
export async function callIntervals(transport: Transport, call: IntervalsCall): Promise<unknown> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await sendOnce(transport, call);
    } catch (error) {
      const failure = error instanceof IntervalsApiError ? error : unexpected(transport, call, error);
      const hint = transient.get(failure);
      const retriesLeft = attempt <= transport.retries;
      const wait = hint?.waitMs ?? transport.retryDelayMs * 2 ** (attempt - 1);
      if (!hint || !retriesLeft || (hint.waitMs !== undefined && hint.waitMs > transport.maxRetryWaitMs)) {
        throw attempt === 1 ? failure : withAttempts(failure, attempt);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, transport.maxRetryWaitMs)));
    }
  }
}

/** Errors worth retrying, with the server's requested wait when it named one. */
const transient = new WeakMap<IntervalsApiError, { waitMs?: number }>();

function retryable(error: IntervalsApiError, waitMs?: number): IntervalsApiError {
  transient.set(error, waitMs === undefined ? {} : { waitMs });
  return error;
}

function withAttempts(error: IntervalsApiError, attempts: number): IntervalsApiError {
  const copy = new IntervalsApiError(error.code, `${error.message} (${attempts} attempts)`, {
    attempts,
    ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
  return copy;
}

function unexpected(transport: Transport, call: IntervalsCall, error: unknown): IntervalsApiError {
  const message = error instanceof Error ? error.message : String(error);
  return new IntervalsApiError('UPSTREAM', scrub(`${label(call)}: ${message}`, transport.secrets));
}

const label = (call: IntervalsCall) => `intervals.icu ${call.method} ${call.path}`;

async function sendOnce(transport: Transport, call: IntervalsCall): Promise<unknown> {
  const where = label(call);
  const clean = (text: string) => scrub(text, transport.secrets);
  const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
  const headers: Record<string, string> = {
    accept: 'application/json',
    authorization: transport.authorization,
  };
  if (call.body !== undefined) headers['content-type'] = 'application/json';

  let response: Response;
  let text: string;
  try {
    response = await transport.fetch(`${transport.baseUrl}${call.path}${query}`, {
      method: call.method,
      headers,
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      // fetch's default ('follow') would send the key again to whatever a Location header names
      // (undici drops Authorization across origins, but not on a same-origin hop or an http downgrade).
      redirect: 'manual',
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
    if (isRedirect(response)) {
      response.body?.cancel().catch(() => undefined);
      // The Location value is left out on purpose: it is chosen by whoever answered.
      const status = response.status === 0 ? 'opaque redirect' : `HTTP ${response.status}`;
      throw new IntervalsApiError(
        'UPSTREAM',
        `${where}: unexpected redirect (${status}); wg-sync never follows redirects`,
        response.status === 0 ? {} : { httpStatus: response.status },
      );
    }
    text = await readCapped(response, transport.maxResponseBytes, where);
  } catch (error) {
    if (error instanceof IntervalsApiError) throw error;
    const name = (error as { name?: string })?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new IntervalsApiError('TIMEOUT', `${where}: no answer within ${transport.timeoutMs} ms`);
    }
    throw retryable(
      new IntervalsApiError('UPSTREAM', clean(`${where}: request failed (${describeNetworkError(error)})`)),
    );
  }

  const status = response.status;
  const html = looksLikeHtml(response, text);
  if (!response.ok) {
    const detail = html ? 'an HTML page' : errorDetail(text, transport.secrets);
    const http = { httpStatus: status };
    const message = `${where}: HTTP ${status}${detail ? ` (${detail})` : ''}`;
    if (status === 401)
      throw new IntervalsApiError('REAUTH_REQUIRED', `${message}: the API key was refused`, http);
    if (status === 403 && html) {
      // A Cloudflare challenge or block page says nothing about the key.
      throw new IntervalsApiError('UPSTREAM', `${message}: blocked before reaching the API`, http);
    }
    if (status === 403) {
      throw new IntervalsApiError(
        'REAUTH_REQUIRED',
        `${message}: the API key has no access to this athlete`,
        http,
      );
    }
    if (status === 404) throw new IntervalsApiError('NOT_FOUND', message, http);
    if (status === 400 || status === 422) throw new IntervalsApiError('INVALID_PARAMS', message, http);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (status === 429) {
      const wait = retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs / 1000} s`;
      throw retryable(
        new IntervalsApiError('RATE_LIMITED', `${message}${wait}`, {
          ...http,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        }),
        retryAfterMs,
      );
    }
    const error = new IntervalsApiError('UPSTREAM', message, http);
    throw status >= 500 ? retryable(error, retryAfterMs) : error;
  }
  if (text.trim() === '') {
    throw new IntervalsApiError('UPSTREAM', `${where}: empty response body (HTTP ${status})`, {
      httpStatus: status,
    });
  }
  if (html) {
    throw new IntervalsApiError('UPSTREAM', `${where}: answered an HTML page, not JSON (HTTP ${status})`, {
      httpStatus: status,
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new IntervalsApiError(
      'UPSTREAM',
      `${where}: response is not JSON (starts with "${excerpt(text, transport.secrets, 40)}")`,
      { httpStatus: status },
    );
  }
}

/**
 * Validates a successful body; a mismatch is an `UPSTREAM` {@link IntervalsApiError} naming the
 * first problem's path (never a value).
 */
export function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown, where: string): T {
  const result = schema.safeParse(body, { error: ENGLISH });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new IntervalsApiError('UPSTREAM', `${where}: unexpected response shape: ${issues[0] ?? ''}${more}`);
}

/** The `message` or `error` of a JSON error body, else a short excerpt; always redacted. */
function errorDetail(text: string, secrets: readonly string[]): string {
  if (text.trim() === '') return '';
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const said = [body.message, body.error].find((value) => typeof value === 'string' && value !== '');
    if (typeof said === 'string') return excerpt(said, secrets);
  } catch {
    // not JSON: quoted below
  }
  return excerpt(text, secrets);
}

function looksLikeHtml(response: Response, text: string): boolean {
  return (
    /text\/html/i.test(response.headers.get('content-type') ?? '') ||
    /^\s*<(!doctype|html|head|body)/i.test(text)
  );
}

/** `Retry-After` in ms: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A 3xx, or what browsers and some fetch implementations return for one under `redirect: 'manual'`
 * (type `opaqueredirect`, status 0, no headers).
 */
function isRedirect(response: Response): boolean {
  return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
}

/**
 * The body as text (UTF-8), but never more than `limit` bytes of it: a declared `Content-Length`
 * over the limit fails before anything is read, otherwise the stream is counted chunk by chunk and
 * cancelled once past the limit, which drops the connection instead of downloading the rest.
 */
async function readCapped(response: Response, limit: number, where: string): Promise<string> {
  const tooLarge = () => new IntervalsApiError('UPSTREAM', `${where}: response body is over ${bytes(limit)}`);
  const declared = response.headers.get('content-length')?.trim();
  if (declared && /^\d+$/.test(declared) && Number(declared) > limit) {
    response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
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

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
