/**
 * Secret scrubbing for everything that leaves this package as text: error messages, error causes
 * and debug lines. Garmin's error bodies can echo secrets (`invalid_grant "Invalid refresh token: …"`),
 * so nothing upstream-supplied is ever quoted without going through here. The patterns live in
 * @wg-sync/redact, shared with core and the Withings client.
 */
import {
  REDACTED,
  type RedactTextOptions,
  excerpt as sharedExcerpt,
  redact as sharedRedact,
  safeCause as sharedSafeCause,
} from '@wg-sync/redact';

// This package's messages have always said plain `[redacted]` for a JWT.
const OPTIONS: RedactTextOptions = { jwtLabel: REDACTED };

/**
 * Replaces known secret values (as is, URL- and JSON-encoded, and anything shaped like a ticket,
 * JWT, bearer credential or `token: value` pair) with `[redacted]`. Values shorter than 4
 * characters are not searched for.
 */
export function redact(text: string, secrets: Iterable<string | null | undefined> = []): string {
  return sharedRedact(text, secrets, OPTIONS);
}

/**
 * A plain `Error` copy of `error` (name, scrubbed message and stack, string `code`, up to three
 * levels of `cause`), safe to attach as a `cause`.
 */
export function safeCause(error: unknown, secrets: Iterable<string | null | undefined> = []): Error {
  const list = [...secrets];
  return sharedSafeCause(error, list, (text) => redact(text, list));
}

/** A short, scrubbed, single-line excerpt of an upstream body for an error message. */
export function excerpt(body: string, secrets: Iterable<string | null | undefined> = [], max = 160): string {
  return sharedExcerpt(body, secrets, max, OPTIONS);
}
