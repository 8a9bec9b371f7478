// The implementation lives in @wg-sync/redact, shared with core and the Garmin client.
import { redact, redactValue, SECRET_KEY } from '@wg-sync/redact';

export { describeUrl } from '@wg-sync/redact';

/**
 * Replaces every occurrence of each secret (tokens, client secret, code, callback URL) in `text`,
 * as is, URL- and JSON-encoded, and anything shaped like a token, ticket or `password=` pair.
 */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined>): string {
  return redact(text, secrets);
}

// In a Withings body a `code` is an authorization code, not an error code as in log fields.
const TOKEN_KEYS = new RegExp(`${SECRET_KEY.source}|code`, 'i');

/** A copy of a JSON value with token-like fields replaced, safe to keep on an error. */
export function redactJson(value: unknown, depth = 0): unknown {
  return redactValue(value, { keys: TOKEN_KEYS, maxDepth: 8 }, depth);
}
