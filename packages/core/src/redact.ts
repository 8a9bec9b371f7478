import type { LogFields, Logger } from './logger.js';

const SECRET_KEY =
  /token|secret|password|passwd|authorization|cookie|mfa|ticket|signature|nonce|api[-_]?key|credential/i;
const PATTERNS: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
  [/\bST-[A-Za-z0-9-]{6,}/g, 'ST-[redacted]'],
  // A URL's user info (https://user:password@host): proxies and overrides carry credentials there.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@'],
  [
    /\b(access_token|refresh_token|client_secret|code|password|service_ticket|ticket|mfaVerificationCode|di_token|di_refresh_token)(["']?\s*[=:]\s*["']?)([^&\s"',}]{4,})/gi,
    '$1$2[redacted]',
  ],
];
const MIN_SECRET_LENGTH = 4;
/**
 * Rotating tokens add two values per refresh, for as long as a server runs; past this many the oldest
 * (long-dead tokens) are forgotten, so redacting a line stays cheap after months of uptime. Pinned
 * secrets (the client secret, API token, webhook secret) never count and are never forgotten.
 */
const MAX_SECRETS = 2000;

/**
 * The one redaction layer: every log line, error message and report text passes through it. It
 * removes every registered secret value (tokens, client secret, API token, webhook secret), values of
 * secret-looking keys, and token-shaped strings (Bearer headers, JWTs, `ST-…` tickets, `code=` params).
 */
export class Redactor {
  /** Rotating values (tokens), oldest first; the oldest are forgotten past {@link MAX_SECRETS}. */
  readonly #secrets = new Set<string>();
  /** Static values of the deployment, kept for the life of the redactor. */
  readonly #pinned = new Set<string>();
  /** All secrets longest first (so one containing another is removed whole); rebuilt after a change. */
  #ordered: string[] | undefined;

  /**
   * Registers rotating values that must never be shown (tokens); empty and very short values are
   * ignored. Past 2000 of them the oldest are forgotten: use {@link Redactor.pin} for static secrets.
   */
  add(...values: Array<string | undefined | null>): void {
    for (const value of values) {
      if (!value || value.length < MIN_SECRET_LENGTH || this.#secrets.has(value) || this.#pinned.has(value))
        continue;
      this.#secrets.add(value);
      this.#ordered = undefined;
    }
    // A Set iterates in insertion order: the first entries are the oldest.
    for (const oldest of this.#secrets) {
      if (this.#secrets.size <= MAX_SECRETS) break;
      this.#secrets.delete(oldest);
    }
  }

  /**
   * Registers static secrets (client secret, API token, webhook secret, password) that are redacted
   * for as long as this redactor lives, however many rotating tokens are added after them.
   */
  pin(...values: Array<string | undefined | null>): void {
    for (const value of values) {
      if (!value || value.length < MIN_SECRET_LENGTH || this.#pinned.has(value)) continue;
      this.#pinned.add(value);
      this.#secrets.delete(value);
      this.#ordered = undefined;
    }
  }

  /** Redacts a string. */
  text(input: string): string {
    let out = input;
    this.#ordered ??= [...this.#pinned, ...this.#secrets].sort((a, b) => b.length - a.length);
    for (const secret of this.#ordered) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** Redacts any JSON-like value: strings, secret-named keys, errors (name, code, message). */
  value(input: unknown, depth = 0): unknown {
    if (typeof input === 'string') return this.text(input);
    if (input === null || typeof input !== 'object') return input;
    if (depth > 6) return '[…]';
    if (input instanceof Date) return input.toISOString();
    if (input instanceof Error) return this.error(input);
    if (Array.isArray(input)) return input.map((item) => this.value(item, depth + 1));
    return Object.fromEntries(
      Object.entries(input).map(([key, inner]) => [
        key,
        SECRET_KEY.test(key) &&
        inner !== null &&
        inner !== undefined &&
        typeof inner !== 'object' &&
        typeof inner !== 'boolean'
          ? '[redacted]'
          : this.value(inner, depth + 1),
      ]),
    );
  }

  /** A loggable, redacted view of an error. */
  error(error: unknown): { name: string; message: string; code?: unknown } {
    if (!(error instanceof Error)) return { name: 'Error', message: this.text(String(error)) };
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: this.text(error.message), ...(code === undefined ? {} : { code }) };
  }

  /** Wraps a logger so that nothing reaches it unredacted. */
  logger(inner: Logger): Logger {
    const wrap =
      (level: keyof Logger) =>
      (event: string, fields?: LogFields): void => {
        inner[level](event, fields === undefined ? undefined : (this.value(fields) as LogFields));
      };
    return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
  }
}
