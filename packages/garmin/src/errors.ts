import { redact } from './redact.js';

/**
 * What went wrong, as a closed set you can `switch` on:
 *
 * | code | meaning | what to do |
 * |---|---|---|
 * | `INVALID_CREDENTIALS` | Garmin refused the e-mail/password | ask again; never retry automatically |
 * | `MFA_REQUIRED` | the account needs a code, and no `mfa` callback was given | pass `mfa` |
 * | `MFA_INVALID` | the MFA code was wrong or expired | log in again |
 * | `RATE_LIMITED` | HTTP 429, or `{"error":{"status-code":"429"}}` in a body; see `retryAfterMs` | wait (minutes to hours for logins) |
 * | `BLOCKED` | a Cloudflare HTML page or challenge, or `CAPTCHA_REQUIRED` | use {@link garminBrowserLogin} |
 * | `AUTH_EXPIRED` | the API answered 401 even with a fresh access token | log in again |
 * | `REAUTH_REQUIRED` | the refresh token or service ticket was refused (`invalid_grant`), no DI client id was accepted, or two refreshed access tokens in a row were refused by the API | sign in again (for client ids: pass newer `clientIds` first) |
 * | `FORBIDDEN` | HTTP 403 from the API | retry later; do not log in again in a loop |
 * | `NOT_FOUND` | HTTP 404 | wrong date or id |
 * | `UPSTREAM` | network failure, timeout, 5xx, a redirect (never followed) or another unexpected status, a body over `maxResponseBytes`; also a rejected upload | retry later |
 * | `PROTOCOL` | an answer we cannot trust: empty, `[]`, not JSON, wrong shape, unsigned JWT, bad token file | report it |
 */
export type GarminErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'MFA_REQUIRED'
  | 'MFA_INVALID'
  | 'RATE_LIMITED'
  | 'BLOCKED'
  | 'AUTH_EXPIRED'
  | 'REAUTH_REQUIRED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'UPSTREAM'
  | 'PROTOCOL';

/** Extra details of a {@link GarminApiError}. */
export interface GarminApiErrorOptions extends ErrorOptions {
  /** HTTP status of the answer that caused the error, when there was one. */
  status?: number;
  /** How long Garmin asked us to wait (from `Retry-After`), in milliseconds. */
  retryAfterMs?: number;
}

/**
 * Every failure of this package's network calls. `code` says what happened; the message says what
 * to do. Messages, causes and `JSON.stringify(error)` never contain a password, token, MFA code or
 * service ticket: upstream text is scrubbed before it is quoted.
 *
 * @example
 * ```ts
 * try {
 *   await client.listWeighIns({ from, to });
 * } catch (error) {
 *   if (isGarminApiError(error, 'REAUTH_REQUIRED')) console.error('run `wg-sync garmin login` again');
 *   else throw error;
 * }
 * ```
 */
export class GarminApiError extends Error {
  /** What went wrong; see {@link GarminErrorCode}. */
  readonly code: GarminErrorCode;
  /** HTTP status of the answer, when there was one. */
  readonly status?: number;
  /** How long to wait before trying again (ms), when Garmin said so. */
  readonly retryAfterMs?: number;

  constructor(code: GarminErrorCode, message: string, options: GarminApiErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** A log-friendly plain object (name, code, message, status, retryAfterMs). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }
}

/** One entry of `detailedImportResult.failures[]` of an upload answer. */
export interface GarminUploadFailure {
  /** Garmin's id of the refused item, when given. */
  internalId: number | string | null;
  /** The uploader's id of the refused item, when given. */
  externalId: number | string | null;
  /** Garmin's reasons, e.g. `{ code: 202, content: 'Duplicate Activity.' }`. */
  messages: Array<{ code: number | null; content: string }>;
}

/**
 * Garmin answered an upload with `failures` (the file was looked at and refused). `code` is
 * `UPSTREAM`; Garmin's reasons are in {@link GarminUploadError.failures} and in the message.
 */
export class GarminUploadError extends GarminApiError {
  /** Garmin's `failures[]`, as sent. */
  readonly failures: GarminUploadFailure[];
  /** The upload id, if Garmin gave one. */
  readonly uploadId?: string;

  constructor(
    message: string,
    failures: GarminUploadFailure[],
    options: GarminApiErrorOptions & { uploadId?: string; code?: GarminErrorCode } = {},
  ) {
    super(options.code ?? 'UPSTREAM', message, options);
    this.failures = failures;
    if (options.uploadId) this.uploadId = options.uploadId;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      failures: this.failures,
      ...(this.uploadId ? { uploadId: this.uploadId } : {}),
    };
  }
}

/**
 * True when `value` is a {@link GarminApiError} (and, if `code` is given, has that code). Works
 * across copies of this package, where `instanceof` would not.
 */
export function isGarminApiError(value: unknown, code?: GarminErrorCode): value is GarminApiError {
  if (!(value instanceof Error)) return false;
  const candidate = value as Partial<GarminApiError>;
  const isOurs =
    value instanceof GarminApiError ||
    ((value.name === 'GarminApiError' || value.name === 'GarminUploadError') &&
      typeof candidate.code === 'string');
  return isOurs && (code === undefined || candidate.code === code);
}

/** Why {@link garminBrowserLogin} could not get a service ticket from the browser. */
export type GarminBrowserLoginErrorCode =
  | 'PLAYWRIGHT_MISSING'
  | 'BROWSER_NOT_FOUND'
  | 'BROWSER_CLOSED'
  | 'TIMEOUT';

/**
 * The local side of {@link garminBrowserLogin} failed before Garmin was involved: `playwright-core`
 * is not installed, no Chromium/Chrome was found, the window was closed, or nobody signed in in time.
 * (Failures of Garmin itself are {@link GarminApiError}s.)
 */
export class GarminBrowserLoginError extends Error {
  /** What went wrong; see {@link GarminBrowserLoginErrorCode}. */
  readonly code: GarminBrowserLoginErrorCode;

  constructor(code: GarminBrowserLoginErrorCode, message: string, options?: ErrorOptions) {
    super(redact(message), options);
    this.name = new.target.name;
    this.code = code;
  }
}
