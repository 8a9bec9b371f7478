import type { PageSession } from './state.js';

/** Reads one cookie from a request. */
export function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** A session cookie header value. */
export function setCookie(name: string, value: string): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax`;
}

/** The app session cookie of the SSO host: the JSON login and its MFA step ride on it. */
export const SESSION_COOKIE = 'SESSION';
/** Cloudflare's bot-management cookie, set by the sign-in page. */
export const CF_BM_COOKIE = '__cf_bm';

/**
 * The `Set-Cookie` lines of the sign-in page, names as recorded (`SESSION`, `__VCAP_ID__`,
 * `__cf_bm`; our own values). `Secure` is left out: the simulator speaks plain HTTP.
 */
export function pageCookies(page: PageSession): Array<[string, string]> {
  return [
    ['set-cookie', setCookie(SESSION_COOKIE, page.id)],
    ['set-cookie', setCookie('__VCAP_ID__', page.id.slice(0, 12))],
    ['set-cookie', setCookie(CF_BM_COOKIE, page.cfBm)],
  ];
}
