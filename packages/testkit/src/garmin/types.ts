import type { SimClock } from '../shared/clock.js';
import type { RecordedRequest } from '../shared/http-server.js';

/** One Garmin account the simulator knows. */
export interface GarminSimAccount {
  /** Sign-in e-mail (matched case-insensitively). */
  email: string;
  /** Sign-in password. */
  password: string;
  /** Ask for an e-mail MFA code after the password (default false). */
  mfa?: boolean;
  /** Answer every credential login with `CAPTCHA_REQUIRED` (default false). */
  captcha?: boolean;
  /**
   * The account's IANA time zone (default `UTC`): decides `calendarDate` and the local-as-UTC
   * `date` of stored weigh-ins, as Garmin does with the account's zone.
   */
  timeZone?: string;
  /** `socialProfile.displayName` (default: a name derived from the e-mail). */
  displayName?: string;
}

/** Options of `startGarminSim()`. */
export interface GarminSimOptions {
  /** The accounts (default: one, `user@example.com` / `correct horse battery staple`, no MFA, UTC). */
  accounts?: GarminSimAccount[];
  /**
   * DI client ids the token endpoint accepts (default: the eight ids 2026 clients try, newest
   * first, protocol §1.5/§10). Leave ids out to play a rotation: Garmin then answers them with
   * `invalid_client`, and clients fall through to a later id.
   */
  clientIds?: string[];
  /**
   * A refused client id spends the service ticket it carried (one 2026 client's claim, protocol
   * §10): the next id then gets `invalid_grant` for the same ticket. Default false.
   */
  refusalSpendsTicket?: boolean;
  /**
   * Issue every token to this DI client id (the JWT's `client_id`), whatever accepted id asked, as
   * Garmin has done (protocol §10). Refreshes are then accepted only when they name this id.
   */
  jwtClientId?: string;
  /**
   * Answer refreshes without `refresh_token` (protocol §10); the refresh token that was sent then
   * stays valid. Default false: every refresh rotates it.
   */
  refreshWithoutRefreshToken?: boolean;
  /** Lifetime of DI access tokens, seconds (default 86 399, as in the recorded answer). */
  accessTokenTtlSeconds?: number;
  /** Lifetime of DI refresh tokens, seconds (default 30 days). */
  refreshTokenTtlSeconds?: number;
  /** How long a service ticket can be exchanged, seconds (default 60; single use). */
  ticketTtlSeconds?: number;
  /** How long an MFA code is valid, seconds (default 600). */
  mfaCodeTtlSeconds?: number;
  /** The simulator's clock (default: real time). Freeze and advance it to expire tickets and tokens. */
  clock?: SimClock;
  /** Delay before every answer, ms (default 0; settable later through `latencyMs`). */
  latencyMs?: number;
  /** `sourceType` given to weigh-ins from uploaded FIT files (default `INDEX_SCALE`, unconfirmed). */
  uploadSourceType?: string;
  /** Refuse uploads above a size, as Garmin's gateway does with big files (settable later through `uploadLimits`). */
  uploadLimits?: GarminSimUploadLimits;
}

/**
 * How the simulator treats a FIT file above a size. Oversized files got 504s and had to be split
 * (protocol §10); whether Garmin had stored such a file before the gateway gave up is unknown, so
 * both outcomes can be played.
 */
export interface GarminSimUploadLimits {
  /** Files with more weigh-ins than this are refused. */
  maxEntries?: number;
  /** Files of more bytes than this are refused. */
  maxBytes?: number;
  /** The answer to an oversized file: 504 gateway timeout (default) or 413 payload too large. */
  status?: 413 | 504;
  /** A 504'd file was stored all the same (default false; a 413 never stores anything). */
  storedAnyway?: boolean;
}

/**
 * The failures the simulator can be told to produce, each for the next N matching requests:
 *
 * | kind | where (default) | answer |
 * |---|---|---|
 * | `cloudflare-403` | SSO | 403 HTML challenge page (`cf-mitigated: challenge`) |
 * | `cloudflare-429` | SSO | 429 HTML "Access denied … used Cloudflare" page |
 * | `json-429` | SSO | 200 with `{"error":{"status-code":"429"}}` |
 * | `captcha-required` | SSO login | 200 `CAPTCHA_REQUIRED` |
 * | `rate-limited` | any | 429 JSON with `Retry-After` |
 * | `server-error` | any | 500 JSON |
 * | `unavailable` | any | 503 text |
 * | `expired-token` | API | 401 `Token is not active`, empty body |
 * | `forbidden` | API | 403 `ForbiddenException` JSON |
 * | `empty-body` | API | 200 with an empty body |
 * | `duplicate-upload` | upload | 409 duplicate envelope; nothing stored |
 * | `phantom-upload` | upload | the normal 202 envelope, but nothing stored |
 * | `empty-array-upload` | upload | 202 `[]`; nothing stored |
 * | `empty-body-upload` | upload | 202 with an empty body; nothing stored |
 * | `upload-failure` | upload | 202 whose envelope lists a failure; nothing stored |
 * | `gateway-timeout` | upload | 504 HTML gateway page; nothing stored |
 * | `gateway-timeout-stored` | upload | 504 HTML gateway page, but the file WAS stored |
 * | `payload-too-large` | upload | 413 JSON; nothing stored |
 * | `rewrite-json` | any | the normal answer, its JSON body passed through `rewrite` (sparse or renamed fields) |
 * | `inactive-token` | DI token | the normal token answer, but the API refuses its access token (401 `Token is not active`) |
 */
export type GarminSimFaultKind =
  | 'cloudflare-403'
  | 'cloudflare-429'
  | 'json-429'
  | 'captcha-required'
  | 'rate-limited'
  | 'server-error'
  | 'unavailable'
  | 'expired-token'
  | 'forbidden'
  | 'empty-body'
  | 'duplicate-upload'
  | 'phantom-upload'
  | 'empty-array-upload'
  | 'empty-body-upload'
  | 'upload-failure'
  | 'gateway-timeout'
  | 'gateway-timeout-stored'
  | 'payload-too-large'
  | 'rewrite-json'
  | 'inactive-token';

/** A fault: its kind, or the kind with details. */
export type GarminSimFault =
  | GarminSimFaultKind
  | {
      kind: GarminSimFaultKind;
      retryAfterSeconds?: number;
      /**
       * For `rewrite-json`: gets the parsed JSON body of the normal answer and returns the body to
       * send instead; when it returns `undefined`, the (mutated) argument is sent.
       */
      rewrite?: (body: unknown) => unknown;
    };

/** Typed fault injection of the Garmin simulator. */
export interface GarminSimFaults {
  /**
   * Makes the next `times` requests that match answer with `fault`. `match` (a path or a RegExp on
   * the path) defaults to where the fault kind belongs, e.g. uploads for `phantom-upload`.
   */
  add(fault: GarminSimFault, times?: number, match?: string | RegExp): void;
  /** Drops every queued fault. */
  clear(): void;
  /** Faults still queued. */
  readonly size: number;
}

/** A weigh-in as the simulator stores it (Garmin's units: grams, epoch ms). */
export interface GarminSimWeighIn {
  /** Record id (also the delete "version"), near the creation time in ms. */
  samplePk: number;
  /** The instant (`timestampGMT`). */
  timestampGMT: number;
  /** Local wall time encoded as if UTC (`date`), from the account's zone. */
  date: number;
  /** Local date (`YYYY-MM-DD`) in the account's zone. */
  calendarDate: string;
  /** Weight, grams. */
  weight: number;
  /** BMI. */
  bmi: number | null;
  /** Body fat, %. */
  bodyFat: number | null;
  /** Body water, %. */
  bodyWater: number | null;
  /** Bone mass, grams. */
  boneMass: number | null;
  /** Muscle mass, grams. */
  muscleMass: number | null;
  /** Physique rating 1–9. */
  physiqueRating: number | null;
  /** Visceral fat rating. */
  visceralFat: number | null;
  /** Metabolic age, years. */
  metabolicAge: number | null;
  /** `INDEX_SCALE`, `MANUAL`, … */
  sourceType: string;
}

/** A weigh-in to seed with `sim.addWeighIn()` (kg, like a scale). */
export interface GarminSimWeighInInput {
  /** The instant of the weigh-in. */
  timestamp: Date;
  /** Weight, kg. */
  weightKg: number;
  /** Body fat, %. */
  fatPercent?: number;
  /** Body water, %. */
  hydrationPercent?: number;
  /** Bone mass, kg. */
  boneMassKg?: number;
  /** Muscle mass, kg. */
  muscleMassKg?: number;
  /** BMI. */
  bmi?: number;
  /** Visceral fat rating. */
  visceralFat?: number;
  /** Metabolic age, years. */
  metabolicAge?: number;
  /** Physique rating 1–9. */
  physiqueRating?: number;
  /** Default: the simulator's `uploadSourceType`. */
  sourceType?: string;
}

/** A blood-pressure reading as the simulator stores it. */
export interface GarminSimBloodPressure {
  /** Record id (used to delete it). */
  version: number;
  /** mmHg. */
  systolic: number;
  /** mmHg. */
  diastolic: number;
  /** Beats per minute. */
  pulse: number | null;
  /** The note sent. */
  notes: string;
  /** As sent (`MANUAL`). */
  sourceType: string;
  /** As sent: local wall time, no zone (`YYYY-MM-DDTHH:mm:ss.SSS`). */
  measurementTimestampLocal: string;
  /** As sent: UTC, no zone. */
  measurementTimestampGMT: string;
}

/** One upload the simulator received, whatever happened to it. */
export interface GarminSimUpload {
  /** The account that uploaded. */
  email: string;
  /** The multipart file name. */
  fileName: string;
  /** The file as received. */
  bytes: Uint8Array;
  /** HTTP status answered. */
  status: number;
  /** Weigh-ins stored from it (0 when a fault answered; re-uploads count, they are stored again). */
  stored: number;
  /** Weigh-ins the file holds (0 when it was not read or could not be decoded). */
  entries: number;
}

/** DI tokens as {@link GarminSim.issueTokens} issues them (the shape of `GarminTokens` in @wg-sync/garmin). */
export interface GarminSimTokens {
  accessToken: string;
  refreshToken: string;
  /** The DI client id the tokens belong to (refreshes must name it). */
  clientId: string;
  /** The access token's expiry (its JWT's `exp`). */
  expiresAt: Date;
  domain: 'garmin.com';
}

/** A running Garmin simulator. */
export interface GarminSim {
  /** Base URL of the server (every host is served by it). */
  readonly url: string;
  /** Pass as a client's `urls` option: `{ sso, diauth, connectapi }`, all this server. */
  readonly urls: { sso: string; diauth: string; connectapi: string };
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** Delay before every answer, ms. */
  latencyMs: number;
  /** How oversized uploads are refused (`undefined`: never); settable. */
  uploadLimits: GarminSimUploadLimits | undefined;
  /** The simulator's clock. */
  readonly clock: SimClock;
  /** Fault injection. */
  readonly faults: GarminSimFaults;
  /** Every MFA code sent to `email`, oldest first (as if read from the mailbox). */
  mfaCodes(email: string): string[];
  /** The newest MFA code sent to `email`, if any. */
  lastMfaCode(email: string): string | undefined;
  /** Every weigh-in `email` holds, oldest first (duplicates included, as Garmin stores them). */
  weighIns(email: string): GarminSimWeighIn[];
  /** Stores a weigh-in directly (test setup). */
  addWeighIn(email: string, weighIn: GarminSimWeighInInput): GarminSimWeighIn;
  /** Every blood-pressure reading `email` holds. */
  bloodPressures(email: string): GarminSimBloodPressure[];
  /** Every upload received, oldest first. */
  uploads(): GarminSimUpload[];
  /** Adds an account while running. */
  addAccount(account: GarminSimAccount): void;
  /**
   * Issues DI tokens directly, as if `email` had just signed in (the tokens the DI token endpoint
   * answers, for the first accepted client id unless `clientId` is given): for setups that link
   * thousands of accounts, where a sign-in of several round trips each would dominate. The shape is
   * `GarminTokens` of `@wg-sync/garmin`.
   */
  issueTokens(email: string, options?: { clientId?: string }): GarminSimTokens;
  /** Makes every access token issued so far answer 401 (as Garmin does for revoked tokens). */
  revokeAccessTokens(email?: string): void;
  /** Every secret in play: passwords, MFA codes, tickets, access and refresh tokens ever issued. */
  secrets(): string[];
  /** Stops the server (calling it again is harmless). */
  close(): Promise<void>;
}
