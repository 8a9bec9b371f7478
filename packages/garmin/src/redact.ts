/**
 * Secret scrubbing for everything that leaves this package as text: error messages, error causes
 * and debug lines. Garmin's error bodies can echo secrets (`invalid_grant "Invalid refresh token: …"`),
 * so nothing upstream-supplied is ever quoted without going through here.
 */

const REDACTED = '[redacted]';

/** Shapes that are secrets wherever they appear, whether or not we know the value. */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // CAS service tickets: ST-0979xx-<20 chars>-sso / -cas.
  [/\bST-[A-Za-z0-9][A-Za-z0-9._-]*/g, `ST-${REDACTED}`],
  // JWTs (DI access tokens): base64url header starting with {" → "eyJ".
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g, REDACTED],
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // "refresh token: X", "access_token=X", "password": "X", "di_refresh_token":"X" …
  [
    /\b((?:di_)?(?:refresh|access)[ _-]?token|di_token|password|passwd|service_ticket|ticket|mfaVerificationCode)(["']?\s*[:=]\s*["']?)[^\s"',;}&]+/gi,
    `$1$2${REDACTED}`,
  ],
];

/**
 * Replaces known secret values (and anything shaped like a ticket, JWT, bearer credential or
 * `token: value` pair) with `[redacted]`. Values shorter than 4 characters are not searched for:
 * they would mangle ordinary text and cannot be real credentials.
 */
export function redact(text: string, secrets: Iterable<string | null | undefined> = []): string {
  let out = text;
  const known = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 4))];
  // Longest first, so a secret that contains another is replaced whole.
  known.sort((a, b) => b.length - a.length);
  for (const secret of known) {
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      if (form.length >= 4) out = out.split(form).join(REDACTED);
    }
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A plain `Error` copy of `error` (name, scrubbed message and stack, string `code`, up to three
 * levels of `cause`), safe to attach as a `cause`: no request objects, headers or bodies that a
 * fetch implementation may have hung on the original.
 */
export function safeCause(
  error: unknown,
  secrets: Iterable<string | null | undefined> = [],
  depth = 0,
): Error {
  const list = [...secrets];
  if (!(error instanceof Error)) {
    return new Error(redact(typeof error === 'string' ? error : `non-Error thrown (${typeof error})`, list));
  }
  const nested =
    depth < 3 && error.cause !== undefined ? { cause: safeCause(error.cause, list, depth + 1) } : undefined;
  const copy = new Error(redact(error.message, list), nested);
  copy.name = error.name;
  copy.stack = redact(error.stack ?? `${error.name}: ${error.message}`, list);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    (copy as Error & { code?: string | number }).code = typeof code === 'string' ? redact(code, list) : code;
  }
  return copy;
}

/** A short, scrubbed, single-line excerpt of an upstream body for an error message. */
export function excerpt(body: string, secrets: Iterable<string | null | undefined> = [], max = 160): string {
  const line = redact(body, secrets).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
