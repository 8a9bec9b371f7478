/** Which Garmin Connect region an account lives in: every host differs (`sso.garmin.cn`, …). */
export type GarminDomain = 'garmin.com' | 'garmin.cn';

/**
 * The DI OAuth2 tokens of one Garmin account: what a login produces and what a
 * {@link GarminClient} needs. Store them as a secret (they grant full access to the account); the
 * refresh token rotates on every refresh, so persist the new set each time `onTokens` is called.
 *
 * `JSON.stringify(tokens)` and {@link importGarminTokens} round-trip.
 */
export interface GarminTokens {
  /** The DI access token (a JWT), sent as `Authorization: Bearer …`. */
  accessToken: string;
  /** The DI refresh token: single-use, replaced on every refresh. */
  refreshToken: string;
  /** The DI client id the tokens were issued to (refreshes must use the same one). */
  clientId: string;
  /** When the access token expires (the JWT's `exp`); `null` when it cannot be read. */
  expiresAt: Date | null;
  /** The account's region. */
  domain: GarminDomain;
}

/**
 * Base URLs (scheme, host and port; the protocol's paths are appended) that replace Garmin's hosts,
 * for instance to point a client at `startGarminSim()` from `@wg-sync/testkit`.
 */
export interface GarminUrls {
  /** Replaces `https://sso.garmin.com` (credential login, MFA, sign-in page). */
  sso?: string;
  /** Replaces `https://diauth.garmin.com` (ticket exchange, refresh). */
  diauth?: string;
  /** Replaces `https://connectapi.garmin.com` (every API call). */
  connectapi?: string;
}

/** Options shared by every function of this package that talks to Garmin. */
export interface GarminHttpOptions {
  /** The `fetch` to use (default: the global one). Tests and proxies inject theirs here. */
  fetch?: typeof fetch;
  /** Host overrides; see {@link GarminUrls}. */
  urls?: GarminUrls;
  /** The account's region (default `garmin.com`). */
  domain?: GarminDomain;
  /** Give up on a request after this many milliseconds (default 30 000). */
  timeoutMs?: number;
  /**
   * The most bytes read from one response body, default 5 MiB (`5 * 1024 * 1024`). A larger answer
   * is a `GarminApiError` with code `UPSTREAM`, and the connection is dropped instead of downloading
   * the rest. A positive whole number; anything else is a `RangeError` before anything is sent.
   */
  maxResponseBytes?: number;
  /**
   * Receives one line per HTTP exchange (`POST /di-oauth2-service/oauth/token → 200 (84 ms)`).
   * Lines never hold a header, body, token, password, code or ticket.
   */
  debug?: (line: string) => void;
}
