import { MIN_SECRET_LENGTH, orderSecrets, type RedactTextOptions, redactOrdered } from './text.js';
import { type RedactedError, redactError, redactValue } from './value.js';

/** Structured fields of a log line. */
export type RedactLogFields = Record<string, unknown>;

/** A logger with one method per level, as {@link Redactor.logger} wraps it. */
export interface RedactLogger {
  debug(event: string, fields?: RedactLogFields): void;
  info(event: string, fields?: RedactLogFields): void;
  warn(event: string, fields?: RedactLogFields): void;
  error(event: string, fields?: RedactLogFields): void;
  /**
   * Optional, as pino has it: `false` for a level the logger drops, so lines at that level are not
   * redacted (walked and copied) only to be thrown away.
   */
  isLevelEnabled?(level: RedactLogLevel): boolean;
}

/** The levels of a {@link RedactLogger}. */
export type RedactLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options of a {@link Redactor}. */
export interface RedactorOptions extends RedactTextOptions {
  /**
   * How many rotating values (tokens) are kept (default 2000); past it the oldest are forgotten.
   * Pinned secrets never count.
   */
  maxSecrets?: number;
}

/**
 * Rotating tokens add two values per refresh, for as long as a server runs; past this many the oldest
 * (long-dead tokens) are forgotten, so redacting a line stays cheap after months of uptime.
 */
const MAX_SECRETS = 2000;

/**
 * The one redaction layer: every log line, error message and report text passes through it. It
 * removes every registered secret value (tokens, client secret, API token, webhook secret; as is,
 * URL-encoded and JSON-escaped), values of secret-looking keys, and token-shaped strings (Bearer
 * headers, JWTs, `ST-…` tickets, `code=` params).
 *
 * @example
 * ```ts
 * const redactor = new Redactor();
 * redactor.pin(process.env.CLIENT_SECRET);
 * redactor.add(tokens.accessToken, tokens.refreshToken);
 * const logger = redactor.logger(console);
 * ```
 */
export class Redactor {
  /** Rotating values (tokens), oldest first; the oldest are forgotten past `maxSecrets`. */
  readonly #secrets = new Set<string>();
  /** Static values of the deployment, kept for the life of the redactor. */
  readonly #pinned = new Set<string>();
  readonly #options: RedactTextOptions;
  readonly #max: number;
  /** Every form of every secret, longest first; rebuilt after a change. */
  #ordered: string[] | undefined;
  readonly #text = (input: string) => this.text(input);

  constructor(options: RedactorOptions = {}) {
    const { maxSecrets, ...text } = options;
    this.#options = text;
    this.#max = maxSecrets ?? MAX_SECRETS;
  }

  /**
   * Registers rotating values that must never be shown (tokens); empty and very short values are
   * ignored. Past 2000 of them the oldest are forgotten: use {@link Redactor.pin} for static secrets.
   */
  add(...values: Array<string | undefined | null>): void {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      if (this.#secrets.has(value) || this.#pinned.has(value)) continue;
      this.#secrets.add(value);
      this.#ordered = undefined;
    }
    // A Set iterates in insertion order: the first entries are the oldest.
    for (const oldest of this.#secrets) {
      if (this.#secrets.size <= this.#max) break;
      this.#secrets.delete(oldest);
      this.#ordered = undefined;
    }
  }

  /**
   * Registers static secrets (client secret, API token, webhook secret, password) that are redacted
   * for as long as this redactor lives, however many rotating tokens are added after them.
   */
  pin(...values: Array<string | undefined | null>): void {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.#pinned.has(value)) continue;
      this.#pinned.add(value);
      this.#secrets.delete(value);
      this.#ordered = undefined;
    }
  }

  /** Redacts a string. */
  text(input: string): string {
    this.#ordered ??= orderSecrets([...this.#pinned, ...this.#secrets]);
    return redactOrdered(input, this.#ordered, this.#options);
  }

  /**
   * Redacts any JSON-like value: strings, secret-named keys, errors (name, code, message); objects
   * deeper than 6 levels become `[…]`. It never throws (see `redactValue`).
   *
   * @param depth - The depth `input` sits at; 0 at the top.
   */
  value(input: unknown, depth = 0): unknown {
    return redactValue(input, { text: this.#text }, depth);
  }

  /** A loggable, redacted view of an error. */
  error(error: unknown): RedactedError {
    return redactError(error, this.#text);
  }

  /** Wraps a logger so that nothing reaches it unredacted. */
  logger(inner: RedactLogger): RedactLogger {
    const wrap =
      (level: RedactLogLevel) =>
      (event: string, fields?: RedactLogFields): void => {
        if (inner.isLevelEnabled?.(level) === false) return;
        inner[level](
          this.text(event),
          fields === undefined ? undefined : (this.value(fields) as RedactLogFields),
        );
      };
    return {
      debug: wrap('debug'),
      info: wrap('info'),
      warn: wrap('warn'),
      error: wrap('error'),
      isLevelEnabled: (level) => inner.isLevelEnabled?.(level) ?? true,
    };
  }
}
