import { GarminApiError } from './errors.js';
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
 * using it. A {@link GarminClient} does this for you; call it yourself only to manage tokens by hand.
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
    const fresh = tokensFromResponse(response, what, tokens.clientId, tokens.domain);
    return fresh;
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
