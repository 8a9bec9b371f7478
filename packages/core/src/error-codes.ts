/**
 * Every code a `SyncError` (of any wg-sync package), a report's `FailedEntry` or a reconcile failure
 * can carry. Some are copied unchanged from the upstream errors core sees (`@wg-sync/withings`,
 * `@wg-sync/garmin`, `@wg-sync/fit`), so one `switch` covers both sides. An upstream code core does
 * not know arrives as `UPSTREAM` (from Withings or Garmin) or `INTERNAL`, with the original kept in
 * `FailedEntry.originalCode`.
 */
export const SYNC_ERROR_CODES = [
  // The state store.
  /** A compare-and-swap write found another version: someone else wrote the entry first. */
  'STORE_CONFLICT',
  /** A stored entry cannot be read (not JSON, wrong shape); it is never reset silently. */
  'STORE_CORRUPT',
  /** A state file or directory could be read or planted by someone else; refused before reading. */
  'STORE_INSECURE',
  /** The store itself failed: permissions, a symlink, I/O, an unreachable table. */
  'STORE_UNAVAILABLE',

  // Core: configuration, accounts, the sync itself.
  /** The configuration is missing or invalid (`ConfigError.problems` lists every problem). */
  'INVALID_CONFIG',
  /** No account is linked for the Withings user named. */
  'ACCOUNT_NOT_FOUND',
  /** Several accounts are linked and the call did not say which one. */
  'USER_ID_REQUIRED',
  /** The user unlinked wg-sync in Withings; nothing syncs until the account is linked again. */
  'UNLINKED',
  /** A Garmin password login was not tried: Garmin rate-limited this account recently. */
  'LOGIN_COOLDOWN',
  /** Garmin accepted an upload but does not show the weigh-in; it is uploaded again next sync. */
  'NOT_STORED',
  /** Garmin refused even a file with a single weigh-in as too large (HTTP 413). */
  'UPLOAD_TOO_LARGE',
  /** Garmin timed out (HTTP 504) even on a file with a single weigh-in. */
  'UPLOAD_TIMEOUT',
  /** A value cannot go into a FIT file (a weight over 655.34 kg; also `FitEncodeError`). */
  'INVALID_VALUE',
  /** A queue delivered something that is not a work message (`WorkMessageError`); it is dead-lettered. */
  'INVALID_WORK_MESSAGE',
  /** Catch-all: an error without a code wg-sync knows (a bug, a platform error); see `originalCode`. */
  'INTERNAL',

  // Both upstreams (Withings and Garmin use these with the same meaning).
  /** The refresh token, authorization or session is dead: a person must sign in again. */
  'REAUTH_REQUIRED',
  /** The upstream asks to slow down (`retryAfterMs` on the upstream error, when it said how long). */
  'RATE_LIMITED',
  /** Catch-all of an upstream: network failure, 5xx, a redirect, an unexpected answer or code. */
  'UPSTREAM',

  // Withings (`WithingsApiErrorCode`).
  /** Withings refused the access token even after one refresh and one retry. */
  'INVALID_TOKEN',
  /** Withings says the app may not make this call (scope or app type). */
  'UNAUTHORIZED',
  /** Withings refused the request as invalid; retrying it unchanged will not help. */
  'INVALID_PARAMS',
  /** Withings could not reach the webhook callback URL (its HEAD check failed) on subscribe. */
  'CALLBACK_UNREACHABLE',
  /** Withings did not answer in time. */
  'TIMEOUT',

  // Garmin (`GarminErrorCode`).
  /** Garmin refused the e-mail or password. */
  'INVALID_CREDENTIALS',
  /** The Garmin account needs an MFA code and none could be asked for. */
  'MFA_REQUIRED',
  /** The Garmin MFA code was wrong or expired. */
  'MFA_INVALID',
  /** Cloudflare blocked the request to Garmin (an HTML page, a challenge or a CAPTCHA). */
  'BLOCKED',
  /** Garmin's API answered 401 even with a freshly refreshed access token. */
  'AUTH_EXPIRED',
  /** Garmin's API answered 403. */
  'FORBIDDEN',
  /** Garmin's API answered 404 (a wrong date or id); or no account holds the held weigh-in named (`HeldNotFoundError`). */
  'NOT_FOUND',
  /** Garmin sent an answer that cannot be trusted: empty, not JSON, the wrong shape. */
  'PROTOCOL',

  // The FIT encoder (`FitEncodeErrorCode`; `INVALID_VALUE` is above).
  /** There was no weigh-in to encode. */
  'EMPTY',
  /** A weigh-in's time cannot be written to a FIT file. */
  'INVALID_TIMESTAMP',
  /** A value is outside what its FIT field can hold. */
  'OUT_OF_RANGE',

  // The adapters' own errors (subclasses of `SyncError`).
  /** `@wg-sync/adapter-lambda`: the event is none of the shapes the adapter handles. */
  'UNKNOWN_EVENT',
  /** `@wg-sync/adapter-lambda`: an event posing as the adapter's own async notification failed authentication. */
  'ASYNC_EVENT_REJECTED',
  /** `@wg-sync/adapter-lambda`: queueing a sync by invoking the function itself failed. */
  'SELF_INVOKE_FAILED',
  /** `@wg-sync/adapter-lambda`: the adapter's options are invalid. */
  'INVALID_OPTIONS',
  /** `@wg-sync/adapter-lambda`: the credentials secret could not be read. */
  'SECRET_UNAVAILABLE',
  /** `@wg-sync/adapter-lambda`: the credentials secret was read but its content is unusable. */
  'SECRET_INVALID',
  /** `@wg-sync/adapter-lambda`: a scheduled reconcile reported failures. */
  'RECONCILE_FAILED',
  /** `@wg-sync/adapter-lambda`: SQS did not store every work message sent (`sqsWorkQueue`). */
  'QUEUE_SEND_FAILED',
  /** `@wg-sync/adapter-express`: a request body is larger than the adapter's limit. */
  'BODY_TOO_LARGE',
  /** `@wg-sync/adapter-express`: the client closed the connection before its body was complete. */
  'CLIENT_CLOSED',
] as const;

/**
 * What went wrong, as a closed set: the `code` of every `SyncError` and of every report failure.
 * A `switch` over it can be checked for exhaustiveness; the meaning of each code is documented in
 * {@link SYNC_ERROR_CODES}.
 */
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(SYNC_ERROR_CODES);

/** True when `value` is one of {@link SYNC_ERROR_CODES} (for codes read back from storage or JSON). */
export function isSyncErrorCode(value: unknown): value is SyncErrorCode {
  return typeof value === 'string' && KNOWN.has(value);
}

/**
 * The one rule for "a person must sign in (or authorize) again": the stored credentials are refused
 * for good, so retrying cannot help. The engine raises `REAUTH_REQUIRED` alerts and stops syncing
 * that side on these, the doctor fails its check, the CLI exits with its sign-in code. Codes of a
 * token refused once (`AUTH_EXPIRED`, `INVALID_TOKEN`) are not included: the next sync retries them.
 */
export function needsSignIn(code: unknown): code is 'REAUTH_REQUIRED' | 'INVALID_CREDENTIALS' {
  return code === 'REAUTH_REQUIRED' || code === 'INVALID_CREDENTIALS';
}
