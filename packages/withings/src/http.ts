import * as z from 'zod/mini';
import { WithingsApiError, WithingsValidationError } from './errors.js';
import { redactJson, scrub } from './redact.js';
import { codeForStatus } from './status-codes.js';
import { ENGLISH } from './zod-english.js';

/** Where and how requests go; shared by the OAuth helpers and the client. Build it with {@link createTransport}. */
export interface Transport {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** The most bytes read from one response body (validated by {@link createTransport}). */
  maxResponseBytes: number;
}

/** The default API host. */
export const WITHINGS_API_URL = 'https://wbsapi.withings.net';
/** Default time limit for one HTTP call. */
export const DEFAULT_TIMEOUT_MS = 20_000;
/**
 * Default cap on one response body: 5 MiB, far above any answer we know of (the recorded answers are a
 * few KiB). Anything bigger is broken or hostile, and reading it whole would cost that much memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** The transport options a caller may give (every one has a default). */
export interface TransportOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/**
 * Fills in the defaults and checks the limits, once, before anything is sent.
 * @throws {@link WithingsApiError} `INVALID_PARAMS` for a `maxResponseBytes` that is not a positive whole number.
 */
export function createTransport(options: TransportOptions): Transport {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw new WithingsApiError('INVALID_PARAMS', 'maxResponseBytes must be a positive whole number of bytes');
  }
  return {
    baseUrl: options.baseUrl ?? WITHINGS_API_URL,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxResponseBytes,
  };
}

export type Endpoint = '/v2/oauth2' | '/measure' | '/notify';

export interface WithingsCall {
  endpoint: Endpoint;
  params: Record<string, string | number | undefined>;
  accessToken?: string;
  /** Values that must never appear in an error: tokens, client secret, code, callback URL. */
  secrets: ReadonlyArray<string | undefined>;
}

const envelopeSchema = z.object({
  status: z.int(),
  body: z.optional(z.unknown()),
  error: z.optional(z.string()),
});

/**
 * One Withings API call: a form-encoded POST. Withings answers HTTP 200 even for errors and puts the
 * outcome in the JSON `status`; everything that is not `status: 0` becomes a {@link WithingsApiError}.
 * Redirects are never followed (the form carries the client secret and tokens) and the body is read
 * up to `transport.maxResponseBytes` only; both are `UPSTREAM` errors.
 *
 * @returns the `body` of a successful answer.
 */
export async function callWithings(transport: Transport, call: WithingsCall): Promise<unknown> {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(call.params)) {
    if (value !== undefined) form.set(key, String(value));
  }
  const action = String(call.params.action ?? '');
  const where = `Withings ${call.endpoint} ${action}`.trim();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (call.accessToken) headers.authorization = `Bearer ${call.accessToken}`;
  const clean = (text: string) => scrub(text, [...call.secrets, call.accessToken]);

  const failed = (error: unknown): WithingsApiError => {
    if (error instanceof WithingsApiError) return error;
    const name = (error as { name?: string })?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new WithingsApiError('TIMEOUT', `${where}: no answer within ${transport.timeoutMs} ms`);
    }
    const reason = describeNetworkError(error);
    return new WithingsApiError('UPSTREAM', clean(`${where}: request failed (${reason})`));
  };

  let response: Response;
  let text: string;
  try {
    response = await transport.fetch(`${transport.baseUrl.replace(/\/+$/, '')}${call.endpoint}`, {
      method: 'POST',
      headers,
      body: form.toString(),
      // fetch's default ('follow') would re-POST the form, client secret and tokens included, to
      // whatever origin a Location header names. Withings never redirects its API calls.
      redirect: 'manual',
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
    if (isRedirect(response)) {
      response.body?.cancel().catch(() => undefined);
      // The Location value is left out on purpose: it is attacker-chosen and may carry our query.
      const status = response.status === 0 ? 'opaque redirect' : `HTTP ${response.status}`;
      throw new WithingsApiError(
        'UPSTREAM',
        `${where}: unexpected redirect (${status}); wg-sync never follows redirects`,
        response.status === 0 ? {} : { httpStatus: response.status },
      );
    }
    text = await readCapped(response, transport.maxResponseBytes, where);
  } catch (error) {
    throw failed(error);
  }

  if (response.status === 429) {
    const header = response.headers.get('retry-after');
    const seconds = header === null || header.trim() === '' ? Number.NaN : Number(header);
    throw new WithingsApiError('RATE_LIMITED', `${where}: HTTP 429 Too Many Requests`, {
      httpStatus: 429,
      ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
    });
  }
  if (!response.ok) {
    throw new WithingsApiError('UPSTREAM', `${where}: HTTP ${response.status}`, {
      httpStatus: response.status,
    });
  }
  if (text.trim() === '') {
    throw new WithingsApiError('UPSTREAM', `${where}: empty response body`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const start = clean(text.trim().slice(0, 40)).replace(/\s+/g, ' ');
    throw new WithingsApiError('UPSTREAM', `${where}: response is not JSON (starts with "${start}")`);
  }
  const envelope = envelopeSchema.safeParse(json, { error: ENGLISH });
  if (!envelope.success) {
    throw validationError(
      `${where}: response is not a Withings envelope`,
      json,
      envelope.error,
      call.secrets,
    );
  }
  const { status, body, error = '' } = envelope.data;
  if (status === 0) return body ?? {};

  const code = codeForStatus(status, error, call.endpoint);
  const detail = error ? ` (${clean(error)})` : '';
  if (code === 'RATE_LIMITED') {
    const waitSeconds = (body as { wait_seconds?: unknown } | undefined)?.wait_seconds;
    const retryAfterMs = typeof waitSeconds === 'number' && waitSeconds >= 0 ? waitSeconds * 1000 : undefined;
    const wait = retryAfterMs === undefined ? '' : `; wait ${waitSeconds} s`;
    throw new WithingsApiError('RATE_LIMITED', `${where}: status 601${detail}${wait}`, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  throw new WithingsApiError(code, `${where}: status ${status}${detail}`, { status });
}

/** Validates a successful body; a mismatch is a {@link WithingsValidationError} keeping the (redacted) raw value. */
export function parseBody<T>(
  schema: z.ZodMiniType<T>,
  body: unknown,
  where: string,
  secrets: ReadonlyArray<string | undefined>,
): T {
  const result = schema.safeParse(body, { error: ENGLISH });
  if (result.success) return result.data;
  throw validationError(`${where}: unexpected response shape`, body, result.error, secrets);
}

function validationError(
  message: string,
  raw: unknown,
  error: z.core.$ZodError,
  secrets: ReadonlyArray<string | undefined>,
): WithingsValidationError {
  const issues = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const first = issues[0] ?? '';
  return new WithingsValidationError(scrub(`${message}: ${first}`, secrets), redactJson(raw), issues);
}

/**
 * A 3xx, or what browsers and some fetch implementations return for one under `redirect: 'manual'`
 * (type `opaqueredirect`, status 0, no headers).
 */
function isRedirect(response: Response): boolean {
  return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
}

/**
 * The body as text (UTF-8, like `response.text()`), but never more than `limit` bytes of it. A
 * declared `Content-Length` over the limit fails before anything is read; otherwise the stream is
 * counted chunk by chunk (decoded bytes, so a gzip bomb counts at its real size) and cancelled once
 * past the limit, which drops the connection instead of downloading the rest.
 */
async function readCapped(response: Response, limit: number, where: string): Promise<string> {
  const tooLarge = () => new WithingsApiError('UPSTREAM', `${where}: response body is over ${bytes(limit)}`);
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

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
