import { createHmac, randomBytes } from 'node:crypto';
import { secretEquals } from '../responses.js';

/** The status page's session cookie. */
export const SESSION_COOKIE = 'wg_sync_session';
/** How long a sign-in lasts. */
export const SESSION_SECONDS = 12 * 3600;

/** A verified session: its id (random, in the cookie) and when it ends. */
export interface PageSession {
  id: string;
  expiresAt: number;
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

/**
 * Signs and checks the status page's sessions. Nothing is stored: the cookie is
 * `v1.<expires>.<id>.<mac>`, the MAC an HMAC-SHA256 under a key derived from the API token (never
 * the token itself), so a new token signs everyone out. The CSRF token of a session is another HMAC
 * of its id: bound to it, and worthless without the cookie it came with.
 */
export class PageSessions {
  readonly #key: Buffer;

  constructor(
    apiToken: string,
    private readonly now: () => number,
  ) {
    this.#key = createHmac('sha256', apiToken).update('wg-sync status page session v1').digest();
  }

  /** A new session's cookie value. */
  issue(): { value: string; session: PageSession } {
    const expiresAt = Math.floor(this.now() / 1000) + SESSION_SECONDS;
    const id = b64(randomBytes(18));
    const body = `v1.${expiresAt}.${id}`;
    return { value: `${body}.${this.#mac(body)}`, session: { id, expiresAt } };
  }

  /** The session a cookie value stands for, or `undefined` (forged, altered, expired, malformed). */
  verify(value: string | undefined): PageSession | undefined {
    if (!value || value.length > 200) return undefined;
    const match = /^v1\.(\d{1,12})\.([\w-]{24})\.([\w-]{43})$/.exec(value);
    if (!match) return undefined;
    const [, expires, id, mac] = match as unknown as [string, string, string, string];
    if (!secretEquals(mac, this.#mac(`v1.${expires}.${id}`))) return undefined;
    const expiresAt = Number(expires);
    const nowSeconds = this.now() / 1000;
    if (expiresAt <= nowSeconds || expiresAt > nowSeconds + SESSION_SECONDS + 60) return undefined;
    return { id, expiresAt };
  }

  /** The CSRF token the session's forms carry. */
  csrf(session: PageSession): string {
    return this.#mac(`csrf.${session.id}`);
  }

  /** Whether a form's CSRF token is the session's (constant time). */
  csrfMatches(session: PageSession, given: string | undefined): boolean {
    return secretEquals(given ?? '', this.csrf(session));
  }

  #mac(text: string): string {
    return b64(createHmac('sha256', this.#key).update(text).digest());
  }
}

/** `Set-Cookie` for a session: `HttpOnly; Secure; SameSite=Strict`, expiring with it. */
export function sessionCookie(value: string): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; Secure; SameSite=Strict`;
}

/** `Set-Cookie` that signs out. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}

/** The session cookie's value in a `Cookie` header (the first one of that name). */
export function sessionCookieValue(header: string | null): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=');
  }
  return undefined;
}
