/** Replaces every occurrence of each secret (tokens, client secret, code, callback URL) in `text`. */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** A callback URL as it may appear in messages: its origin only, since the path can hold a webhook secret. */
export function describeUrl(url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    return pathname === '/' ? origin : `${origin}/…`;
  } catch {
    return '(not a URL)';
  }
}

const TOKEN_KEYS = /token|secret|code|signature|nonce|password/i;

/** A copy of a JSON value with token-like fields replaced, safe to keep on an error. */
export function redactJson(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (Array.isArray(value)) return value.map((item) => redactJson(item, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        TOKEN_KEYS.test(key) && inner !== null && typeof inner !== 'object'
          ? '[redacted]'
          : redactJson(inner, depth + 1),
      ]),
    );
  }
  return value;
}
