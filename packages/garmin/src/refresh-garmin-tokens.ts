import { GarminApiError, isGarminApiError } from './errors.js';
import {
  errorDetail,
  failure,
  httpContext,
  isJsonRateLimit,
  label,
  parseWith,
  type ReadResponse,
  send,
} from './http.js';
import { nativeHeaders } from './native-headers.js';
import { oauthError } from './schemas.js';
import { checkNewTokens } from './social-profile.js';
import { basicAuth, DI_EXTRA_HEADERS, tokensFromResponse } from './token-response.js';
import type { GarminHttpOptions, GarminTokens } from './types.js';
import { DI_TOKEN_PATH, resolveHosts } from './urls.js';

/** Options of {@link refreshGarminTokens}. */
export interface RefreshGarminTokensOptions extends Omit<GarminHttpOptions, 'domain'> {
  /** Extra or replacement headers for the token request. */
  headers?: Record<string, string>;
}

/**
 * Trades the refresh token for a new token set (protocol §1.6) at the account's own region. The
 * refresh token **rotates**: the old one is dead once this returns, so persist the result before
 * using it. An answer without `refresh_token` keeps the old one (protocol §10). The request names
 * `tokens.clientId`, which is the id Garmin issued the tokens to (the JWT's `client_id`).
 * A {@link GarminClient} does this for you, and also proves each new access token with one API
 * call before handing it to `onTokens`; call this yourself only to manage tokens by hand.
 * Never retried automatically (a lost answer would have cost the only valid refresh token).
 *
 * @throws {@link GarminApiError} `REAUTH_REQUIRED` when Garmin refuses the refresh token
 *   (`invalid_grant`, 400/401): a new login is needed. `RATE_LIMITED`, `BLOCKED`, `UPSTREAM`, `PROTOCOL`.
 *
 * @example
 * ```ts
 * const fresh = await refreshGarminTokens(tokens);
 * await saveTokens(fresh); // the old refresh token no longer works
 * ```
 */
export async function refreshGarminTokens(
  tokens: GarminTokens,
  options: RefreshGarminTokensOptions = {},
): Promise<GarminTokens> {
  const { diauth } = resolveHosts(tokens.domain, options.urls);
  const ctx = httpContext(options, () => [tokens.accessToken, tokens.refreshToken]);
  const url = `${diauth}${DI_TOKEN_PATH}`;
  const what = label('POST', url);
  const headers = nativeHeaders(
    { ...DI_EXTRA_HEADERS, Authorization: basicAuth(tokens.clientId) },
    options.headers,
  );
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: tokens.clientId,
    refresh_token: tokens.refreshToken,
  });
  const response = await send(ctx, 'POST', url, { headers, body });
  if (response.status >= 200 && response.status < 300 && !isJsonRateLimit(response)) {
    const { clientId, domain, refreshToken: previousRefreshToken } = tokens;
    return tokensFromResponse(response, what, { clientId, domain, previousRefreshToken });
  }
  if (isRefusal(response)) {
    throw new GarminApiError(
      'REAUTH_REQUIRED',
      `Garmin refused the refresh token ${errorDetail(response, ctx.secrets())}: log in again (refresh tokens are single-use; another process may have used it, or it expired)`,
      { status: response.status },
    );
  }
  throw failure(response, what, ctx);
}

function isRefusal(response: ReadResponse): boolean {
  if (response.status !== 400 && response.status !== 401) return false;
  try {
    const body = parseWith(oauthError, JSON.parse(response.text), 'refresh');
    return ['invalid_grant', 'invalid_token', 'invalid_client', 'unauthorized_client'].includes(body.error);
  } catch {
    // A 401 without an OAuth body is a refusal too; a 400 without one is not ours to interpret.
    return response.status === 401 && !/<html/i.test(response.text);
  }
}

/** What {@link refreshAndVerify} needs besides the refresh options. */
export interface RefreshAndVerifyOptions extends RefreshGarminTokensOptions {
  /** Headers of API calls (a client's `headers`), also sent with the verification call. */
  apiHeaders?: Record<string, string> | undefined;
}

/**
 * A refresh whose new access token is proven with one real call (`socialProfile`) before anyone
 * trusts it: Garmin has answered refreshes with tokens its API then calls "not active" (protocol
 * §10, PGC #369). A 401 on that call gets exactly one more refresh (with the new refresh token:
 * the old one is spent); if that token is refused too, the set is dropped and never returned.
 * Any other failure of the verification call (403, 5xx, network) proves nothing about the token,
 * and the rotated refresh token must not be lost, so the set is returned as it is.
 *
 * @throws {@link GarminApiError} `REAUTH_REQUIRED` after two refused tokens; as
 *   {@link refreshGarminTokens} for the refreshes.
 */
export async function refreshAndVerify(
  tokens: GarminTokens,
  options: RefreshAndVerifyOptions = {},
): Promise<GarminTokens> {
  const { apiHeaders, ...refreshOptions } = options;
  const { connectapi } = resolveHosts(tokens.domain, options.urls);
  let current = tokens;
  for (let attempt = 1; ; attempt += 1) {
    const fresh = await refreshGarminTokens(current, refreshOptions);
    const spent = current;
    const ctx = httpContext(options, () => [
      tokens.accessToken,
      tokens.refreshToken,
      spent.accessToken,
      spent.refreshToken,
      fresh.accessToken,
      fresh.refreshToken,
    ]);
    try {
      await checkNewTokens(ctx, connectapi, fresh.accessToken, apiHeaders);
      return fresh;
    } catch (error) {
      if (!isGarminApiError(error, 'AUTH_EXPIRED')) {
        note(
          options,
          `refreshed token not verified (${isGarminApiError(error) ? error.code : 'error'}); using it`,
        );
        return fresh;
      }
    }
    if (attempt >= 2) {
      note(options, 'the API refused the second refreshed access token too; dropping it');
      throw new GarminApiError(
        'REAUTH_REQUIRED',
        'Garmin refreshed the tokens twice, but its API refused both new access tokens (401, token not active): this session cannot be used any more; sign in again',
        { status: 401 },
      );
    }
    note(options, 'the API refused the refreshed access token (401); refreshing once more');
    current = fresh;
  }
}

function note(options: { debug?: (line: string) => void }, line: string): void {
  try {
    options.debug?.(line);
  } catch {
    // A failing logger must never break a refresh.
  }
}
