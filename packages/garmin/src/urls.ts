import type { GarminDomain, GarminUrls } from './types.js';

/** The three hosts a flow talks to, as base URLs without a trailing slash. */
export interface ResolvedHosts {
  sso: string;
  diauth: string;
  connectapi: string;
}

/** Garmin's hosts for `domain`, each replaced by the matching `urls` entry when given. */
export function resolveHosts(domain: GarminDomain = 'garmin.com', urls: GarminUrls = {}): ResolvedHosts {
  if (domain !== 'garmin.com' && domain !== 'garmin.cn') {
    throw new RangeError(`domain must be "garmin.com" or "garmin.cn", got ${JSON.stringify(domain)}`);
  }
  return {
    sso: baseUrl(urls.sso, `https://sso.${domain}`, 'urls.sso'),
    diauth: baseUrl(urls.diauth, `https://diauth.${domain}`, 'urls.diauth'),
    connectapi: baseUrl(urls.connectapi, `https://connectapi.${domain}`, 'urls.connectapi'),
  };
}

function baseUrl(value: string | undefined, fallback: string, name: string): string {
  if (value === undefined) return fallback;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new RangeError(`${name} must be an absolute URL such as http://127.0.0.1:8080`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RangeError(`${name} must be an http(s) URL`);
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

/**
 * The SSO `clientId` this package signs in with by default: the Android app's, as in the only
 * recorded successful mobile login (March 2026). It decides the `service` (ticket audience, see
 * {@link garminServiceUrl}); change it with `ssoClientId` on {@link garminLogin} if Garmin retires it.
 */
export const GARMIN_SSO_CLIENT_ID = 'GCM_ANDROID_DARK';

/**
 * The `User-Agent` of the sign-in requests: the Garmin Connect app string that the recorded
 * successful mobile login sent (together with `clientId=GCM_ANDROID_DARK`). Change it with
 * `userAgent` on {@link garminLogin}.
 */
export const GARMIN_SSO_USER_AGENT = 'GCM-iOS-5.22.1.4';

/**
 * The `service` of Garmin Connect's Android app: the ticket from a mobile login belongs to it, and the
 * DI exchange must name it again as `service_url`.
 *
 * @param domain - The account's region (default `garmin.com`).
 */
export function garminServiceUrl(domain: GarminDomain = 'garmin.com'): string {
  return `https://mobile.integration.${domain}/gcm/android`;
}

/**
 * The `service` that belongs to an SSO client id: the iOS app's ids (`GCM_IOS_DARK`) get the
 * `…/gcm/ios` service, every other id the Android one. A ticket is only exchanged for the service
 * it was issued for, so the two must not be mixed.
 */
export function serviceForSsoClient(ssoClientId: string, domain: GarminDomain = 'garmin.com'): string {
  return /IOS/i.test(ssoClientId) ? `https://mobile.integration.${domain}/gcm/ios` : garminServiceUrl(domain);
}

/**
 * The address of Garmin's own sign-in page for the mobile service. Open it in any browser, sign in
 * (MFA and captcha included); the browser then goes to `…/gcm/android?ticket=ST-…` (the page itself
 * may not load; the address bar is what matters). Paste that address or ticket into
 * {@link exchangeServiceTicket} within a minute, with `serviceUrl: garminServiceUrl()`.
 *
 * @example
 * ```ts
 * console.log(`Sign in here, then paste the address you land on:\n${garminSignInUrl()}`);
 * ```
 */
export function garminSignInUrl(options: { domain?: GarminDomain; urls?: GarminUrls } = {}): string {
  const { sso } = resolveHosts(options.domain, options.urls);
  const query = new URLSearchParams({
    clientId: GARMIN_SSO_CLIENT_ID,
    service: garminServiceUrl(options.domain),
  });
  return `${sso}/mobile/sso/en_US/sign-in?${query}`;
}

/**
 * DI OAuth2 client ids tried in this order when exchanging a service ticket (protocol §1.5, §10),
 * newest first: Garmin rotates them about quarterly, and an old id may stop working. The first one
 * Garmin accepts (or the `client_id` its JWT names) is stored in {@link GarminTokens.clientId} and
 * used for every refresh. Pass your own list as `clientIds` when Garmin moves on.
 *
 * The 2025Q4 and 2026 ids are unverified: they appear in other 2026 clients' code comments, not in
 * any recording (protocol §10). 2025Q2 and older were seen in real traffic and token files.
 */
export const GARMIN_DI_CLIENT_IDS: readonly string[] = Object.freeze([
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q1',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI',
  'GARMIN_CONNECT_MOBILE_IOS_DI',
]);

/** The DI exchange's `grant_type` for a service ticket: a URL, sent literally (protocol §1.5). */
export const SERVICE_TICKET_GRANT =
  'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket';

export const DI_TOKEN_PATH = '/di-oauth2-service/oauth/token';
