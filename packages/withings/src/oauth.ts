import { WithingsApiError } from './errors.js';
import { callWithings, createTransport, parseBody } from './http.js';
import { tokenBodySchema } from './schemas.js';
import type { WithingsTokens } from './types.js';

/** The default consent host. */
export const WITHINGS_ACCOUNT_URL = 'https://account.withings.com';

/** Options for {@link withingsOAuth}.authorizeUrl. */
export interface AuthorizeUrlOptions {
  clientId: string;
  /**
   * Must be registered as a Callback URL of the app, exactly, and use a domain name: Withings refuses
   * IP addresses and `localhost` (so no `http://127.0.0.1:…`; only the testkit simulator takes one).
   * Nothing has to answer there: the code is in the address the browser lands on. See
   * https://github.com/wg-sync/wg-sync/blob/main/packages/withings/README.md#the-redirect-uri
   */
  redirectUri: string;
  /** Your CSRF value; check it when the user comes back. */
  state: string;
  /** Default `['user.metrics']`, all a weight sync needs. Add `'user.info'` to receive unlink notifications. */
  scope?: string[];
  /** Consent host, default `https://account.withings.com` (point it at a simulator in tests). */
  accountUrl?: string;
  /** `'demo'` signs in a Withings demo user with dummy data. */
  mode?: 'demo';
}

/** Common options of the token requests. */
export interface TokenRequestOptions {
  clientId: string;
  clientSecret: string;
  /** API host, default `https://wbsapi.withings.net`. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Clock used to turn `expires_in` into `expiresAt`. */
  now?: () => Date;
  /** Time limit of the HTTP call, default 20 s. */
  timeoutMs?: number;
  /**
   * The most bytes read from the response body, default 5 MiB (`5 * 1024 * 1024`). A larger answer
   * is a `WithingsApiError` with code `UPSTREAM`, and the connection is dropped. A positive whole number.
   */
  maxResponseBytes?: number;
}

/** Options for {@link withingsOAuth}.exchangeCode. */
export interface ExchangeCodeOptions extends TokenRequestOptions {
  /** The `code` from the redirect. It lives 30 seconds and works once. */
  code: string;
  /** The same redirect URI used for the authorize URL. */
  redirectUri: string;
}

/** Options for {@link withingsOAuth}.refreshTokens. */
export interface RefreshTokensOptions extends TokenRequestOptions {
  refreshToken: string;
}

function authorizeUrl(options: AuthorizeUrlOptions): string {
  const url = new URL('/oauth2_user/authorize2', options.accountUrl ?? WITHINGS_ACCOUNT_URL);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('scope', (options.scope ?? ['user.metrics']).join(','));
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('state', options.state);
  if (options.mode) url.searchParams.set('mode', options.mode);
  return url.toString();
}

async function requestToken(
  options: TokenRequestOptions,
  params: Record<string, string>,
  secrets: string[],
): Promise<WithingsTokens> {
  const transport = createTransport(options);
  const allSecrets = [options.clientSecret, ...secrets];
  const body = await callWithings(transport, {
    endpoint: '/v2/oauth2',
    params: {
      action: 'requesttoken',
      client_id: options.clientId,
      client_secret: options.clientSecret,
      ...params,
    },
    secrets: allSecrets,
  });
  const token = parseBody(tokenBodySchema, body, 'Withings /v2/oauth2 requesttoken', allSecrets);
  const now = (options.now ?? (() => new Date()))();
  return {
    userId: token.userid,
    accessToken: token.access_token,
    refreshToken: token.refresh_token,
    expiresAt: new Date(now.getTime() + token.expires_in * 1000),
    scope: token.scope.split(/[,\s]+/).filter(Boolean),
  };
}

/**
 * Withings OAuth 2.0: the consent URL, the code exchange and the refresh (with client secret).
 *
 * @example
 * ```ts
 * import { withingsOAuth } from '@wg-sync/withings';
 *
 * const url = withingsOAuth.authorizeUrl({ clientId, redirectUri, state });
 * // … the user consents; Withings redirects to redirectUri?code=…&state=… (the code lives 30 s)
 * const tokens = await withingsOAuth.exchangeCode({ clientId, clientSecret, code, redirectUri });
 * // later, or when tokens.expiresAt is near:
 * const next = await withingsOAuth.refreshTokens({ clientId, clientSecret, refreshToken: tokens.refreshToken });
 * // store `next` before using next.accessToken: the old refresh token dies soon after
 * ```
 */
export const withingsOAuth = {
  /** Builds the URL that shows Withings' consent page. */
  authorizeUrl,

  /**
   * Exchanges an authorization code for tokens.
   * @throws {@link WithingsApiError} `REAUTH_REQUIRED` when the code expired (30 s), was used already,
   *   or the redirect URI differs.
   */
  async exchangeCode(options: ExchangeCodeOptions): Promise<WithingsTokens> {
    if (!options.code) throw new WithingsApiError('INVALID_PARAMS', 'exchangeCode: code is empty');
    return requestToken(
      options,
      { grant_type: 'authorization_code', code: options.code, redirect_uri: options.redirectUri },
      [options.code],
    );
  },

  /**
   * Gets a new token pair. The refresh token rotates: persist the result before using it.
   * @throws {@link WithingsApiError} `REAUTH_REQUIRED` when the refresh token is dead.
   */
  async refreshTokens(options: RefreshTokensOptions): Promise<WithingsTokens> {
    if (!options.refreshToken)
      throw new WithingsApiError('INVALID_PARAMS', 'refreshTokens: refreshToken is empty');
    return requestToken(options, { grant_type: 'refresh_token', refresh_token: options.refreshToken }, [
      options.refreshToken,
    ]);
  },
};
