import { CookieJar } from './cookie-jar.js';
import { GarminApiError } from './errors.js';
import { exchangeServiceTicket } from './exchange-service-ticket.js';
import {
  failure,
  type HttpContext,
  httpContext,
  isJsonRateLimit,
  label,
  parseJson,
  parseWith,
  type ReadResponse,
  send,
} from './http.js';
import { excerpt } from './redact.js';
import { type SsoLoginResponse, ssoLoginResponse } from './schemas.js';
import { checkNewTokens } from './social-profile.js';
import type { GarminHttpOptions, GarminTokens } from './types.js';
import { GARMIN_SSO_CLIENT_ID, GARMIN_SSO_USER_AGENT, resolveHosts, serviceForSsoClient } from './urls.js';

/** What {@link GarminLoginOptions.mfa} is told when Garmin asks for a code. */
export interface GarminMfaPrompt {
  /** How the code was sent, as Garmin says (`email`, `phone`, …). */
  method: string;
  /** Garmin's masked destination, e.g. `us*****@example.com`, when given. */
  sentTo?: string;
  /** 1 for the first code; higher after a wrong code (see `mfaAttempts`). */
  attempt: number;
}

/** Options of {@link garminLogin}. */
export interface GarminLoginOptions extends GarminHttpOptions {
  /** The Garmin account's e-mail. */
  email: string;
  /** Its password. Never logged, never part of an error. */
  password: string;
  /**
   * Asked for the MFA code when the account uses MFA (e-mail codes can take a minute to arrive).
   * Without it, such an account fails with `MFA_REQUIRED`.
   */
  mfa?: (prompt: GarminMfaPrompt) => Promise<string>;
  /** How many codes `mfa` may supply on the same login before `MFA_INVALID` (default 1). */
  mfaAttempts?: number;
  /**
   * DI client ids for the ticket exchange, newest first (default {@link GARMIN_DI_CLIENT_IDS}); see
   * {@link exchangeServiceTicket} for which refusals move on to the next id.
   */
  clientIds?: readonly string[];
  /**
   * The SSO `clientId` of the sign-in (default {@link GARMIN_SSO_CLIENT_ID}, `GCM_ANDROID_DARK`).
   * An iOS id (`GCM_IOS_DARK`, as python-garminconnect sends since April 2026) switches the
   * `service` to `…/gcm/ios`, so that the ticket and the DI exchange's `service_url` still match.
   */
  ssoClientId?: string;
  /**
   * `User-Agent` of the sign-in requests (default {@link GARMIN_SSO_USER_AGENT},
   * `GCM-iOS-5.22.1.4`, as in the recorded successful login). `headers` can override it too.
   */
  userAgent?: string;
  /** Extra or replacement headers for the SSO requests. */
  headers?: Record<string, string>;
}

/** The sign-in page that sets the session cookies (`SESSION`, `__VCAP_ID__`, Cloudflare's). */
const SIGN_IN_PAGE_PATH = '/mobile/sso/en/sign-in';
const LOGIN_PATH = '/mobile/api/login';

/**
 * Logs in with e-mail and password through Garmin's mobile JSON sign-in (protocol §1.1), answers MFA
 * on the same cookie session (§1.2), exchanges the service ticket for DI OAuth2 tokens (§1.5) and
 * makes one real API call to prove the tokens work (§1.4). It never retries a login by itself.
 *
 * As in the recorded successful login (protocol §10), it first loads the sign-in page
 * (`GET /mobile/sso/en/sign-in?clientId=…`), whose cookies carry the session the login POST and
 * the MFA step belong to, and sends `User-Agent: GCM-iOS-5.22.1.4` with `clientId=GCM_ANDROID_DARK`
 * (change them with `userAgent` / `ssoClientId`). A 429 or Cloudflare page at any step ends the
 * attempt at once: nothing else is sent, because Garmin's sign-in rate limit is per account and
 * re-arms when retried.
 *
 * Since March 2026 Cloudflare often blocks credential logins from non-browser clients (`BLOCKED` or
 * `RATE_LIMITED`); {@link garminBrowserLogin} is the reliable way to log in, and this function is
 * for environments where it still gets through.
 *
 * @returns The tokens; persist them (they are secrets) and hand them to a {@link GarminClient}.
 * @throws {@link GarminApiError} `INVALID_CREDENTIALS`, `MFA_REQUIRED` (no `mfa` given),
 *   `MFA_INVALID`, `BLOCKED` (Cloudflare, captcha), `RATE_LIMITED`, `REAUTH_REQUIRED` (ticket
 *   refused), `AUTH_EXPIRED` (tokens issued but refused by the API), `UPSTREAM`, `PROTOCOL`.
 *
 * @example
 * ```ts
 * import { createInterface } from 'node:readline/promises';
 * import { garminLogin } from '@wg-sync/garmin';
 *
 * const tokens = await garminLogin({
 *   email: 'you@example.com',
 *   password: process.env.GARMIN_PASSWORD!,
 *   mfa: async ({ sentTo }) => {
 *     const rl = createInterface({ input: process.stdin, output: process.stdout });
 *     try { return await rl.question(`Code sent to ${sentTo ?? 'you'}: `); } finally { rl.close(); }
 *   },
 * });
 * ```
 */
export async function garminLogin(options: GarminLoginOptions): Promise<GarminTokens> {
  const { email, password } = options;
  if (typeof email !== 'string' || email.trim() === '') throw new TypeError('email is required');
  if (typeof password !== 'string' || password === '') throw new TypeError('password is required');
  const domain = options.domain ?? 'garmin.com';
  const hosts = resolveHosts(domain, options.urls);
  const ssoClientId = options.ssoClientId ?? GARMIN_SSO_CLIENT_ID;
  if (typeof ssoClientId !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(ssoClientId)) {
    throw new RangeError('ssoClientId must be a Garmin SSO client id such as GCM_ANDROID_DARK');
  }
  const userAgent = options.userAgent ?? GARMIN_SSO_USER_AGENT;
  if (typeof userAgent !== 'string' || userAgent.trim() === '' || /[\r\n]/.test(userAgent)) {
    throw new RangeError('userAgent must be a non-empty single-line string');
  }
  const service = serviceForSsoClient(ssoClientId, domain);
  const codes: string[] = [];
  const secrets = { ticket: '', accessToken: '', refreshToken: '' };
  const ctx = httpContext(options, () => [password, ...codes, ...Object.values(secrets)]);
  const query = new URLSearchParams({ clientId: ssoClientId, locale: 'en-US', service });
  const jar = new CookieJar();

  const request = async (method: string, url: string, init: Record<string, string>, body?: string) => {
    const headers = new Headers({ Accept: '*/*', 'User-Agent': userAgent, ...init });
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    const cookie = jar.header();
    if (cookie) headers.set('Cookie', cookie);
    const response = await send(ctx, method, url, { headers, ...(body === undefined ? {} : { body }) });
    jar.store(response.headers);
    return response;
  };
  const post = (path: string, body: unknown): Promise<ReadResponse> =>
    request(
      'POST',
      `${hosts.sso}${path}?${query}`,
      { 'Content-Type': 'application/json' },
      JSON.stringify(body),
    );

  const page = `${hosts.sso}${SIGN_IN_PAGE_PATH}?${new URLSearchParams({ clientId: ssoClientId })}`;
  readSignInPage(await request('GET', page, {}), label('GET', page), ctx);

  let answer = readSso(
    await post(LOGIN_PATH, { username: email.trim(), password, rememberMe: false, captchaToken: '' }),
    label('POST', `${hosts.sso}${LOGIN_PATH}`),
    ctx,
  );

  if (answer.responseStatus.type === 'MFA_REQUIRED') {
    const verify = (body: unknown) => post('/mobile/api/mfa/verifyCode', body);
    answer = await answerMfa(answer, options, { verify, codes }, ctx);
  }
  const ticket = answer.serviceTicketId;
  if (answer.responseStatus.type !== 'SUCCESSFUL' || !ticket) {
    throw unexpectedType(answer, 'the sign-in', ctx);
  }
  secrets.ticket = ticket;
  const tokens = await exchangeServiceTicket(ticket, {
    serviceUrl: answer.serviceURL ?? service,
    domain,
    ...(options.clientIds ? { clientIds: options.clientIds } : {}),
    ...pick(options),
  });
  secrets.accessToken = tokens.accessToken;
  secrets.refreshToken = tokens.refreshToken;
  await checkNewTokens(ctx, hosts.connectapi, tokens.accessToken);
  return tokens;
}

/**
 * The sign-in page is only wanted for its cookies, so its HTML is not parsed. A rate limit or a
 * Cloudflare page there ends the login before the password is sent; so does any other failure.
 */
function readSignInPage(response: ReadResponse, what: string, ctx: HttpContext): void {
  if (response.status >= 200 && response.status < 300 && !isJsonRateLimit(response)) return;
  throw failure(response, what, ctx);
}

/** How an MFA code reaches Garmin, and where each code tried is kept for redaction. */
interface MfaVerification {
  verify: (body: unknown) => Promise<ReadResponse>;
  codes: string[];
}

async function answerMfa(
  challenge: SsoLoginResponse,
  options: GarminLoginOptions,
  { verify, codes }: MfaVerification,
  ctx: HttpContext,
): Promise<SsoLoginResponse> {
  if (!options.mfa) {
    throw new GarminApiError(
      'MFA_REQUIRED',
      'this Garmin account uses multi-factor authentication: pass an `mfa` callback that returns the code Garmin sent',
    );
  }
  const attempts = options.mfaAttempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError('mfaAttempts must be a whole number ≥ 1');
  const method = challenge.customerMfaInfo?.mfaLastMethodUsed ?? 'email';
  const sentTo = challenge.customerMfaInfo?.email ?? undefined;
  let last: SsoLoginResponse | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const code = String(await options.mfa({ method, attempt, ...(sentTo ? { sentTo } : {}) })).trim();
    codes.push(code);
    const response = await verify({
      mfaMethod: method,
      mfaVerificationCode: code,
      rememberMyBrowser: false,
      reconsentList: [],
      mfaSetup: false,
    });
    last = readSso(response, 'POST /mobile/api/mfa/verifyCode', ctx, true);
    if (last.responseStatus.type === 'SUCCESSFUL') return last;
  }
  throw new GarminApiError(
    'MFA_INVALID',
    `Garmin did not accept the MFA code (${last?.responseStatus.type ?? 'no answer'}): log in again and use the newest code`,
  );
}

/** Reads an SSO answer, turning rate limits, Cloudflare and refusals into errors. */
function readSso(response: ReadResponse, what: string, ctx: HttpContext, mfaStep = false): SsoLoginResponse {
  if (response.status === 429 || isJsonRateLimit(response)) throw failure(response, what, ctx);
  let body: unknown;
  try {
    body = parseJson(response, what);
  } catch (error) {
    // HTML where JSON belongs is Cloudflare (or a challenge) in front of the sign-in.
    if (response.text.trim() !== '' && /<html|<!doctype/i.test(response.text)) {
      throw new GarminApiError(
        'BLOCKED',
        `${what}: Garmin's sign-in answered an HTML page (HTTP ${response.status}), a Cloudflare check that blocks non-browser logins; sign in with garminBrowserLogin(), or paste a service ticket into exchangeServiceTicket()`,
        { status: response.status },
      );
    }
    if (response.status < 200 || response.status >= 300) throw failure(response, what, ctx);
    throw error;
  }
  const parsed = ssoLoginResponse.safeParse(body);
  if (!parsed.success) {
    if (response.status < 200 || response.status >= 300) throw failure(response, what, ctx);
    return parseWith(ssoLoginResponse, body, what, response.status);
  }
  const answer = parsed.data;
  const type = answer.responseStatus.type;
  if (type === 'INVALID_USERNAME_PASSWORD' || (!mfaStep && response.status === 401)) {
    throw new GarminApiError(
      'INVALID_CREDENTIALS',
      'Garmin refused the e-mail or password. Check them; do not retry automatically (repeated failures lock the account and trigger rate limits)',
      { status: response.status },
    );
  }
  if (type === 'CAPTCHA_REQUIRED') {
    throw new GarminApiError(
      'BLOCKED',
      "Garmin wants a captcha solved before this login (CAPTCHA_REQUIRED); sign in with garminBrowserLogin(), where you can solve it in Garmin's own page",
      { status: response.status },
    );
  }
  if (response.status >= 500) throw failure(response, what, ctx);
  return answer;
}

function unexpectedType(answer: SsoLoginResponse, step: string, ctx: HttpContext): GarminApiError {
  const type = answer.responseStatus.type;
  if (type === 'SUCCESSFUL') {
    return new GarminApiError('PROTOCOL', `${step} succeeded but Garmin sent no service ticket`);
  }
  return new GarminApiError(
    'UPSTREAM',
    `${step} ended with "${type.replace(/[^A-Z0-9_]/gi, '').slice(0, 40)}"${answer.responseStatus.message ? ` (${excerpt(answer.responseStatus.message, ctx.secrets(), 60)})` : ''}; the account may be locked or Garmin is in maintenance. Try again later or sign in with garminBrowserLogin()`,
  );
}

function pick(options: GarminLoginOptions) {
  return {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.urls ? { urls: options.urls } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    ...(options.debug ? { debug: options.debug } : {}),
  };
}
