/**
 * Base class of every error this package throws for a call that reached (or tried to reach)
 * intervals.icu; `code` says what went wrong. `name` is the subclass name (`IntervalsApiError`).
 * Invalid arguments are plain `RangeError`s instead, thrown before anything is sent.
 */
export abstract class IntervalsError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * What went wrong in an intervals.icu API call:
 * - `REAUTH_REQUIRED`: HTTP 401 or 403: the API key was refused, or it does not give access to this
 *   athlete. A person must give a new key (retrying will not help).
 * - `RATE_LIMITED`: HTTP 429 (after the retries); `retryAfterMs` is the server's `Retry-After`.
 * - `NOT_FOUND`: HTTP 404: intervals.icu knows no such athlete (or path).
 * - `INVALID_PARAMS`: HTTP 400 or 422: the request was refused as invalid; retrying it unchanged will not help.
 * - `TIMEOUT`: no complete answer within `timeoutMs`.
 * - `UPSTREAM`: anything else on intervals.icu's side: HTTP 5xx (after the retries), other HTTP
 *   errors, network failures, redirects (never followed), HTML pages (a Cloudflare challenge), empty
 *   or non-JSON bodies, bodies over `maxResponseBytes`, unexpected shapes.
 *
 * Every code is also a member of `@wg-sync/core`'s `SyncErrorCode`.
 */
export type IntervalsApiErrorCode =
  | 'REAUTH_REQUIRED'
  | 'RATE_LIMITED'
  | 'NOT_FOUND'
  | 'INVALID_PARAMS'
  | 'TIMEOUT'
  | 'UPSTREAM';

/** Details carried by an {@link IntervalsApiError}. */
export interface IntervalsApiErrorDetails {
  /** The HTTP status, when there was an answer. */
  httpStatus?: number;
  /** For `RATE_LIMITED`: how long intervals.icu asked to wait (`Retry-After`), in ms. */
  retryAfterMs?: number;
  /** How many requests were sent for this call (more than 1 after retries). */
  attempts?: number;
  cause?: unknown;
}

/**
 * An intervals.icu API call failed. Messages never contain the API key or its `Authorization` value.
 *
 * @example
 * ```ts
 * try {
 *   await client.putWellness('2026-11-20', { weight: 81.4 });
 * } catch (error) {
 *   if (error instanceof IntervalsApiError && error.code === 'REAUTH_REQUIRED') askForANewApiKey();
 *   else throw error;
 * }
 * ```
 */
export class IntervalsApiError extends IntervalsError {
  readonly code: IntervalsApiErrorCode;
  /** The HTTP status, when there was an answer (absent for network failures and timeouts). */
  readonly httpStatus?: number;
  /** For `RATE_LIMITED`: the wait intervals.icu asked for (`Retry-After`), in ms. */
  readonly retryAfterMs?: number;
  /** How many requests were sent for this call (more than 1 after retries). */
  readonly attempts?: number;

  constructor(code: IntervalsApiErrorCode, message: string, details: IntervalsApiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.attempts !== undefined) this.attempts = details.attempts;
  }
}

/** True for any error thrown by this package's API calls. */
export function isIntervalsError(error: unknown): error is IntervalsError {
  return error instanceof IntervalsError;
}
