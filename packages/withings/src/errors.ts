/** Base class of every error this package throws; `code` says what went wrong. */
export abstract class WithingsError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * What went wrong in a Withings API call:
 * - `INVALID_TOKEN`: the access token was refused (the client refreshes once and retries once first).
 * - `REAUTH_REQUIRED`: the refresh token or authorization code is dead (Withings answers 503); the user
 *   must authorize again.
 * - `RATE_LIMITED`: status 601; `retryAfterMs` says how long Withings asked to wait.
 * - `UNAUTHORIZED`: the app may not call this (scope or app type).
 * - `INVALID_PARAMS`: the request was refused as invalid; retrying it unchanged will not help.
 * - `CALLBACK_UNREACHABLE`: status 293 on subscribe: Withings' HEAD check of the callback URL failed.
 * - `TIMEOUT`: no answer in time (or Withings status 522).
 * - `UPSTREAM`: anything else on Withings' side: HTTP errors, redirects (never followed), bodies over
 *   `maxResponseBytes`, non-JSON bodies, unexpected shapes, loops.
 */
export type WithingsApiErrorCode =
  | 'INVALID_TOKEN'
  | 'REAUTH_REQUIRED'
  | 'RATE_LIMITED'
  | 'UNAUTHORIZED'
  | 'INVALID_PARAMS'
  | 'CALLBACK_UNREACHABLE'
  | 'TIMEOUT'
  | 'UPSTREAM';

/** Details carried by a {@link WithingsApiError}. */
export interface WithingsApiErrorDetails {
  /** The Withings `status` from the response body, when there was one. */
  status?: number;
  /** The HTTP status, when it was not 200. */
  httpStatus?: number;
  /** For `RATE_LIMITED`: how long Withings asked to wait. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A Withings API call failed. Messages never contain tokens, secrets, codes or secret callback paths.
 *
 * @example
 * ```ts
 * try {
 *   await client.getMeasures({ lastUpdate });
 * } catch (error) {
 *   if (error instanceof WithingsApiError && error.code === 'REAUTH_REQUIRED') askUserToAuthorizeAgain();
 *   else throw error;
 * }
 * ```
 */
export class WithingsApiError extends WithingsError {
  readonly code: WithingsApiErrorCode;
  /** The Withings `status` code from the response body (0 never appears here). */
  readonly status?: number;
  /** The HTTP status when it was not 200. */
  readonly httpStatus?: number;
  /** For `RATE_LIMITED`: the wait Withings asked for (`wait_seconds`), in ms. */
  readonly retryAfterMs?: number;

  constructor(code: WithingsApiErrorCode, message: string, details: WithingsApiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * Withings answered with JSON that does not have the documented shape (`code: 'UPSTREAM'`).
 * `rawValue` keeps what was received, with token fields redacted.
 */
export class WithingsValidationError extends WithingsApiError {
  /** The received body (token-like fields replaced by `'[redacted]'`). */
  readonly rawValue: unknown;
  /** What did not match, one line per problem (`body.measuregrps.0.grpid: expected number`). */
  readonly issues: string[];

  constructor(message: string, rawValue: unknown, issues: string[]) {
    super('UPSTREAM', message);
    this.rawValue = rawValue;
    this.issues = issues;
  }
}

/** Why {@link parseNotification} refused a webhook body. */
export type NotificationErrorReason =
  | 'BODY_TOO_LARGE'
  | 'MALFORMED_BODY'
  | 'MISSING_FIELD'
  | 'DUPLICATE_FIELD'
  | 'INVALID_FIELD'
  | 'INVALID_WINDOW';

/** A webhook body is not a well-formed Withings notification. The message says which field and why. */
export class WithingsNotificationError extends WithingsError {
  readonly code = 'INVALID_NOTIFICATION' as const;
  readonly reason: NotificationErrorReason;
  /** The offending field, when one field is to blame. */
  readonly field?: string;

  constructor(reason: NotificationErrorReason, message: string, field?: string) {
    super(message);
    this.reason = reason;
    if (field !== undefined) this.field = field;
  }
}

/** True for any error thrown by this package. */
export function isWithingsError(error: unknown): error is WithingsError {
  return error instanceof WithingsError;
}
