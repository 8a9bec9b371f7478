/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Values shorter than this are never searched for: they would mangle ordinary text ("ab" is in
 * every other word) and cannot be real credentials.
 */
export const MIN_SECRET_LENGTH = 4;

/** Options of the text redaction. */
export interface RedactTextOptions {
  /**
   * What a JWT is replaced with (default `[redacted-jwt]`, which tells a reader of a log what was
   * there; the Garmin client's own messages use plain `[redacted]`).
   */
  jwtLabel?: string;
}

const DEFAULT_JWT_LABEL = '[redacted-jwt]';

// Each pattern is the union of what core, garmin and withings matched before they shared this
// package: where they differed, the one that removes more. `null` stands for the JWT label.
const PATTERNS: ReadonlyArray<readonly [RegExp, string | null]> = [
  // CAS service tickets: ST-0979xx-<20 chars>-sso / -cas.
  [/\bST-[A-Za-z0-9-][A-Za-z0-9._-]*/g, `ST-${REDACTED}`],
  // Authorization header values (before JWTs, so `Bearer eyJ…` reads `Bearer [redacted]`).
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // JWTs (DI access tokens): a base64url header starting with {" is "eyJ".
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g, null],
  // A URL's user info (https://user:password@host): proxies and overrides carry credentials there.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${REDACTED}@`],
  // "refresh token: X", "access_token=X", "password": "X", "di_refresh_token":"X", query params …
  // The value runs to the next separator; `;` is not one, so a value holding it is removed whole.
  [
    /\b((?:di_)?(?:refresh|access)[ _-]?token|di_token|oauth_token(?:_secret)?|client[ _-]?secret|password|passwd|service_ticket|ticket|mfaVerificationCode|mfa[ _-]?code)(["']?\s*[:=]\s*["']?)[^&\s"',}]+/gi,
    `$1$2${REDACTED}`,
  ],
  // OAuth codes (`code=…`): only from 4 characters, so "status code: 429" stays readable.
  [/\b(code)(["']?\s*[:=]\s*["']?)[^&\s"',}]{4,}/gi, `$1$2${REDACTED}`],
];

/**
 * Removes what is a secret wherever it appears, whether or not its value is known: CAS tickets
 * (`ST-…`), JWTs, `Bearer`/`Basic` credentials, the user info of a URL, and the values of
 * `token`/`password`/`ticket`/`client_secret`/MFA-code/`code` pairs (`key=value`, `key: value`,
 * `"key":"value"`, query parameters).
 */
export function redactPatterns(text: string, options: RedactTextOptions = {}): string {
  const jwt = options.jwtLabel ?? DEFAULT_JWT_LABEL;
  let out = text;
  // A function replacement, so a `$` in a caller's label is taken literally.
  for (const [pattern, replacement] of PATTERNS)
    out = replacement === null ? out.replace(pattern, () => jwt) : out.replace(pattern, replacement);
  return out;
}

/**
 * The forms a secret takes in text: as is, URL-encoded (query strings, form bodies) and
 * JSON-escaped (a response body quoting it). Forms shorter than {@link MIN_SECRET_LENGTH} are left out.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
  try {
    forms.add(encodeURIComponent(secret));
  } catch {
    // A lone surrogate cannot be URL-encoded; such a value cannot appear URL-encoded either.
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/**
 * Every form of the given secrets, longest first, so that a secret containing another one (a
 * prefix, an overlap) is removed whole before the shorter one is looked for.
 */
export function orderSecrets(secrets: Iterable<string | null | undefined>): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of secretForms(secret)) forms.add(form);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Replaces each of `ordered` (from {@link orderSecrets}) in `text`, then applies
 * {@link redactPatterns}. Every occurrence of every secret is found in the original text first and
 * overlapping ones are replaced as one, so two secrets that overlap (`xyz-1234` and `1234-abc` in
 * `xyz-1234-abc`) leave no part of either behind.
 */
export function redactOrdered(
  text: string,
  ordered: readonly string[],
  options: RedactTextOptions = {},
): string {
  const ranges: Array<[number, number]> = [];
  // `ordered` is longest first: a secret longer than the text cannot be in it. Most redacted strings
  // (codes, instants, ids in a report) are shorter than any token, so with thousands of tokens known
  // this skips nearly every search.
  let first = 0;
  for (let high = ordered.length; first < high; ) {
    const mid = (first + high) >>> 1;
    if ((ordered[mid] as string).length > text.length) first = mid + 1;
    else high = mid;
  }
  for (let i = first; i < ordered.length; i += 1) {
    const secret = ordered[i] as string;
    // Overlapping occurrences too (`aaaa` twice in `aaaaa`), hence the step of one.
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      ranges.push([at, at + secret.length]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of ranges) {
    const last = merged[merged.length - 1];
    if (last && from < last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  let out = '';
  let done = 0;
  for (const [from, to] of merged) {
    out += text.slice(done, from) + REDACTED;
    done = to;
  }
  out += text.slice(done);
  return redactPatterns(out, options);
}

/**
 * Replaces known secret values (as is, URL-encoded and JSON-escaped, longest first) and anything
 * shaped like a secret ({@link redactPatterns}) with `[redacted]`. Values shorter than 4 characters
 * are not searched for.
 *
 * @param secrets - The values known to be secret (tokens, passwords, client secrets); `null`,
 *   `undefined` and short values are skipped.
 */
export function redact(
  text: string,
  secrets: Iterable<string | null | undefined> = [],
  options: RedactTextOptions = {},
): string {
  return redactOrdered(text, orderSecrets(secrets), options);
}

/**
 * A short, redacted, single-line excerpt of an upstream body for an error message: redacted
 * first, then whitespace collapsed, then cut to `max` characters plus `…`, so a cut can never
 * leave part of a secret behind.
 */
export function excerpt(
  body: string,
  secrets: Iterable<string | null | undefined> = [],
  max = 160,
  options: RedactTextOptions = {},
): string {
  const line = redact(body, secrets, options).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * A URL as it may appear in messages: its origin only (plus `/…` when it has a path), since the
 * path or query can hold a secret (a webhook secret, a code). `(not a URL)` when it does not parse.
 */
export function describeUrl(url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    return pathname === '/' ? origin : `${origin}/…`;
  } catch {
    return '(not a URL)';
  }
}
