import { REDACTED, redact } from './text.js';

/**
 * Keys whose (non-object, non-boolean) values are secrets, whatever they hold: tokens, secrets,
 * passwords, authorization headers, cookies, MFA codes, tickets, signatures, nonces, API keys,
 * credentials. `code` is not among them: in log fields it is an error code (`REAUTH_REQUIRED`);
 * add it with {@link RedactValueOptions.keys} where a `code` is an OAuth code.
 */
export const SECRET_KEY =
  /token|secret|password|passwd|authorization|cookie|mfa|ticket|signature|nonce|api[-_]?key|credential/i;

/** Default of {@link RedactValueOptions.maxDepth}. */
export const MAX_DEPTH = 6;

/** Options of {@link redactValue}. */
export interface RedactValueOptions {
  /** How strings are redacted (default: {@link redact} with no known secrets). */
  text?: (text: string) => string;
  /** Keys whose values are replaced whole (default {@link SECRET_KEY}). */
  keys?: RegExp;
  /** Objects nested deeper than this become `[…]` (default 6). */
  maxDepth?: number;
}

/** A loggable, redacted view of an error. */
export interface RedactedError {
  name: string;
  message: string;
  code?: unknown;
}

const defaultText = (text: string) => redact(text);

/**
 * A redacted copy of any JSON-like value: strings redacted, the values of secret-named keys
 * replaced, errors reduced to name, message and code, dates as ISO strings, objects deeper than
 * `maxDepth` as `[…]`, a cycle as `[circular]`, and anything that throws when read (a getter, a
 * revoked proxy) as `[unreadable]`. It never throws.
 *
 * @param depth - The depth `input` sits at (for callers recursing themselves); 0 at the top.
 */
export function redactValue(input: unknown, options: RedactValueOptions = {}, depth = 0): unknown {
  const text = options.text ?? defaultText;
  const keys = options.keys ?? SECRET_KEY;
  const maxDepth = options.maxDepth ?? MAX_DEPTH;
  const ancestors = new Set<object>();

  const walk = (value: unknown, level: number): unknown => {
    if (typeof value === 'string') return text(value);
    if (value === null || typeof value !== 'object') return value;
    if (level > maxDepth) return '[…]';
    if (ancestors.has(value)) return '[circular]';
    ancestors.add(value);
    try {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
      if (value instanceof Error) return redactError(value, text);
      if (Array.isArray(value)) return value.map((item) => walk(item, level + 1));
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [
          key,
          // A boolean only says whether something is set, never what it is.
          keys.test(key) &&
          inner !== null &&
          inner !== undefined &&
          typeof inner !== 'object' &&
          typeof inner !== 'boolean'
            ? REDACTED
            : walk(inner, level + 1),
        ]),
      );
    } catch {
      return '[unreadable]';
    } finally {
      ancestors.delete(value);
    }
  };
  return walk(input, depth);
}

/** `String(value)`, or a placeholder when that throws (`Object.create(null)`, a throwing `toString`). */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `non-Error thrown (${typeof value})`;
  }
}

/**
 * A loggable, redacted view of an error: its name, redacted message and `code` (a string code
 * redacted too). Anything else that is thrown becomes `{ name: 'Error', message }`. It never throws.
 */
export function redactError(error: unknown, text: (text: string) => string = defaultText): RedactedError {
  try {
    if (!(error instanceof Error)) return { name: 'Error', message: text(describe(error)) };
    const code = (error as { code?: unknown }).code;
    const name = typeof error.name === 'string' ? error.name : 'Error';
    const message = text(typeof error.message === 'string' ? error.message : describe(error.message));
    if (code === undefined) return { name, message };
    return { name, message, code: typeof code === 'string' ? text(code) : redactValue(code, { text }, 1) };
  } catch {
    return { name: 'Error', message: '[unreadable error]' };
  }
}

/**
 * A plain `Error` copy of `error` (name, redacted message and stack, string or number `code`, up
 * to three levels of `cause`), safe to attach as a `cause`: no request objects, headers or bodies
 * that a fetch implementation may have hung on the original. It never throws.
 *
 * @param redactText - How text is redacted (default: {@link redact} with `secrets`).
 */
export function safeCause(
  error: unknown,
  secrets: Iterable<string | null | undefined> = [],
  redactText?: (text: string) => string,
): Error {
  const list = [...secrets];
  const clean = redactText ?? ((text: string) => redact(text, list));
  const copy = (value: unknown, depth: number): Error => {
    try {
      if (!(value instanceof Error)) {
        return new Error(clean(typeof value === 'string' ? value : `non-Error thrown (${typeof value})`));
      }
      const nested =
        depth < 3 && value.cause !== undefined ? { cause: copy(value.cause, depth + 1) } : undefined;
      const result = new Error(clean(String(value.message)), nested);
      result.name = String(value.name);
      result.stack = clean(value.stack ?? `${value.name}: ${value.message}`);
      const code = (value as { code?: unknown }).code;
      if (typeof code === 'string' || typeof code === 'number') {
        (result as Error & { code?: string | number }).code = typeof code === 'string' ? clean(code) : code;
      }
      return result;
    } catch {
      return new Error('unreadable error');
    }
  };
  return copy(error, 0);
}
