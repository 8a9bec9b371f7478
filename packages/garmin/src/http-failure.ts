import { GarminApiError, type GarminErrorCode } from './errors.js';
import type { HttpContext, ReadResponse } from './http.js';
import { excerpt } from './redact.js';
import { apiError, jsonRateLimit, oauthError } from './schemas.js';
import { ENGLISH } from './zod-english.js';

/** True for an HTML answer (Cloudflare pages, legacy error pages). */
export function isHtml(response: ReadResponse): boolean {
  return (
    (response.headers.get('content-type') ?? '').includes('text/html') ||
    /^\s*<(!doctype|html)/i.test(response.text)
  );
}

/** True when Cloudflare (not Garmin's application) produced the answer. */
export function isCloudflare(response: ReadResponse): boolean {
  return (
    response.headers.has('cf-mitigated') ||
    /cloudflare/i.test(response.headers.get('server') ?? '') ||
    /cloudflare|just a moment|cf-error|challenge-platform/i.test(response.text)
  );
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds, when present. */
export function retryAfterMs(headers: Headers, now: Date = new Date()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** True when a body carries Garmin's `{"error":{"status-code":"429"}}`. */
export function isJsonRateLimit(response: ReadResponse): boolean {
  if (!response.text.includes('status-code')) return false;
  try {
    const parsed = jsonRateLimit.safeParse(JSON.parse(response.text), { error: ENGLISH });
    return parsed.success && String(parsed.data.error['status-code']) === '429';
  } catch {
    return false;
  }
}

const BROWSER_HINT =
  'sign in with garminBrowserLogin() (a real browser gets through), or paste a service ticket into exchangeServiceTicket()';

/**
 * The error for a non-success answer: rate limits, Cloudflare pages, 401/403/404, 5xx. Callers
 * handle their endpoint's special cases (login types, `invalid_grant`, upload envelopes) first.
 */
export function failure(response: ReadResponse, what: string, ctx: HttpContext): GarminApiError {
  const status = response.status;
  const secrets = ctx.secrets();
  const wait = retryAfterMs(response.headers);
  const waitText = wait === undefined ? '' : ` (Retry-After: ${Math.ceil(wait / 1000)} s)`;
  const options = { status, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  const html = isHtml(response);
  if (status === 429 || isJsonRateLimit(response)) {
    const source = html && isCloudflare(response) ? 'Cloudflare is rate-limiting' : 'Garmin is rate-limiting';
    return new GarminApiError(
      'RATE_LIMITED',
      `${what}: ${source} this client${waitText}. Wait before trying again (minutes to hours for logins); never retry a login in a loop. If it persists, ${BROWSER_HINT}`,
      options,
    );
  }
  // Cloudflare's own 5xx pages (502, 504, 52x) mean Garmin's origin failed, not that we are blocked:
  // they stay UPSTREAM, so a 504 on a big upload is split rather than reported as a block.
  if (html && status < 500 && (isCloudflare(response) || status === 403)) {
    return new GarminApiError(
      'BLOCKED',
      `${what}: blocked by Cloudflare (HTTP ${status}, an HTML challenge page). Garmin blocks non-browser logins; ${BROWSER_HINT}`,
      options,
    );
  }
  const detail = errorDetail(response, secrets);
  const codeFor: Record<number, GarminErrorCode> = {
    401: 'AUTH_EXPIRED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
  };
  const code = codeFor[status] ?? (status >= 200 && status < 300 ? 'PROTOCOL' : 'UPSTREAM');
  const advice: Partial<Record<GarminErrorCode, string>> = {
    AUTH_EXPIRED: ': the access token is not accepted; log in again',
    FORBIDDEN: ': Garmin refused the request; retry later (do not log in again in a loop)',
    NOT_FOUND: ': no such record or path',
    UPSTREAM: status >= 500 ? ': Garmin is having trouble; retry later' : '',
  };
  return new GarminApiError(
    code,
    `${what} answered HTTP ${status}${detail ? ` ${detail}` : ''}${advice[code] ?? ''}`,
    options,
  );
}

/** Garmin's own words from an error body (`error`/`message`/`error_description`), scrubbed. */
export function errorDetail(response: ReadResponse, secrets: Array<string | null | undefined>): string {
  if (response.text.trim() === '') return '';
  if (isHtml(response)) return '(an HTML page)';
  try {
    const body: unknown = JSON.parse(response.text);
    const oauth = oauthError.safeParse(body, { error: ENGLISH });
    if (oauth.success) {
      const description = oauth.data.error_description ? `: ${oauth.data.error_description}` : '';
      return `(${excerpt(`${oauth.data.error}${description}`, secrets)})`;
    }
    const api = apiError.safeParse(body, { error: ENGLISH });
    if (api.success && (api.data.error || api.data.message)) {
      return `(${excerpt([api.data.error, api.data.message].filter(Boolean).join(': '), secrets)})`;
    }
  } catch {
    // not JSON: fall through to a raw excerpt
  }
  return `(${excerpt(response.text, secrets, 80)})`;
}
