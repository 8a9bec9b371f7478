// The implementation lives in @wg-sync/redact, shared with core and the other clients.
import { redact, excerpt as sharedExcerpt } from '@wg-sync/redact';

/**
 * The secrets of one API key as they can appear in text: the key itself, `API_KEY:<key>` and its
 * base64 form (the `Authorization: Basic` value). Each is also removed URL- and JSON-encoded.
 */
export function keySecrets(apiKey: string): string[] {
  const pair = `API_KEY:${apiKey}`;
  return [apiKey, pair, Buffer.from(pair, 'utf8').toString('base64')];
}

/** `text` with every secret (and anything shaped like a credential) replaced by `[redacted]`. */
export function scrub(text: string, secrets: readonly string[]): string {
  return redact(text, secrets);
}

/** A short redacted one-line excerpt of an upstream body, for a message. */
export function excerpt(body: string, secrets: readonly string[], max = 120): string {
  return sharedExcerpt(body, secrets, max);
}
