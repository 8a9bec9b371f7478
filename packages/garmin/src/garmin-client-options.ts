import type { GarminVerifyOptions } from './confirm-weigh-ins.js';
import type { GarminRetryOptions } from './retry.js';
import type { GarminTokens, GarminUrls } from './types.js';
import type { GarminUploadResult } from './upload-result.js';
import type { GarminWeighIn } from './weigh-ins.js';

// What a GarminClient takes and returns, apart from its request logic (garmin-client.ts).

/** Options of {@link GarminClient}. */
export interface GarminClientOptions {
  /** The account's tokens, from a login or {@link importGarminTokens}. */
  tokens: GarminTokens;
  /**
   * Called with every new token set, and awaited before the new access token is used. Persist the
   * tokens here: the refresh token rotates and the old one is dead. If it throws, the call fails and
   * the next call offers the same tokens again. Resolve with another token set to use that one
   * instead (the newer set another process stored when your compare-and-swap write lost a race).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: `async (t) => { await save(t); }` must fit
  onTokens?: (tokens: GarminTokens) => Promise<void | GarminTokens>;
  /**
   * Called before every refresh to pick up a newer token set another process stored, so a spent
   * refresh token is never sent. Resolve with the stored tokens, or `undefined`.
   */
  reloadTokens?: () => Promise<GarminTokens | undefined>;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
  /** Host overrides; see {@link GarminUrls}. The tokens' `domain` picks the default hosts. */
  urls?: GarminUrls;
  /** The current time (default: the system clock); decides when to refresh proactively. */
  now?: () => Date;
  /** Headers that replace or add to the native app headers on API calls. */
  headers?: Record<string, string>;
  /** Retry policy for reads and safe writes; see {@link GarminRetryOptions}. */
  retry?: GarminRetryOptions;
  /** Give up on a single request after this many milliseconds (default 30 000). */
  timeoutMs?: number;
  /**
   * The most bytes read from one response body, default 5 MiB (`5 * 1024 * 1024`), token refreshes
   * included. A larger answer is a `GarminApiError` with code `UPSTREAM` (never retried), and the
   * connection is dropped instead of downloading the rest. A positive whole number; anything else is
   * a `RangeError` from the constructor.
   */
  maxResponseBytes?: number;
  /** Receives one scrubbed line per HTTP exchange (method, path, status, duration). */
  debug?: (line: string) => void;
}

/** Options of {@link GarminClient.addBodyComposition}. */
export interface AddBodyCompositionOptions {
  /** The uploaded file's name (default `body_composition.fit`); must end in `.fit`. */
  filename?: string;
  /**
   * Read the weigh-ins back to prove Garmin stored them (default `true`): a `202` that stores nothing
   * has happened. `false` skips it; an object tunes it.
   */
  verify?: boolean | GarminVerifyOptions;
}

/** What {@link GarminClient.addBodyComposition} reports. */
export interface GarminBodyCompositionResult extends GarminUploadResult {
  /** The stored weigh-in for each entry, in entry order (absent when `verify: false`). */
  weighIns?: GarminWeighIn[];
}
