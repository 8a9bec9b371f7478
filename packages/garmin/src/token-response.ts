import { type HttpContext, parseJson, parseWith, type ReadResponse } from './http.js';
import { jwtExpiry, readJwt } from './jwt.js';
import { diRefreshResponse, diTokenResponse } from './schemas.js';
import type { GarminDomain, GarminTokens } from './types.js';

/** Who asked for DI tokens: the client id and region, and for a refresh the refresh token it spent. */
export interface DiTokenRequester {
  clientId: string;
  domain: GarminDomain;
  previousRefreshToken?: string;
}

/**
 * Turns a 2xx DI token answer into {@link GarminTokens} (expiry from the JWT's `exp`).
 *
 * `clientId` is the id that asked; when the JWT names another `client_id`, the JWT's wins: Garmin
 * issued the tokens to that client, so refreshes must name it (protocol §10; treating the mismatch
 * as an error would waste the single-use ticket). `previousRefreshToken` marks a refresh answer,
 * which may omit `refresh_token`: the old one is then kept.
 */
export function tokensFromResponse(
  response: ReadResponse,
  what: string,
  { clientId, domain, previousRefreshToken }: DiTokenRequester,
): GarminTokens {
  const schema = previousRefreshToken === undefined ? diTokenResponse : diRefreshResponse;
  const body = parseWith(schema, parseJson(response, what), what, response.status);
  const claims = readJwt(body.access_token); // throws PROTOCOL for alg: none
  const issuedTo =
    typeof claims?.client_id === 'string' && claims.client_id.trim() !== '' ? claims.client_id : clientId;
  const refreshToken = body.refresh_token ?? previousRefreshToken;
  return {
    accessToken: body.access_token,
    // Only a refresh answer can lack it (schema above), and then the old one is set.
    refreshToken: refreshToken as string,
    clientId: issuedTo,
    expiresAt: jwtExpiry(body.access_token),
    domain,
  };
}

/** Basic auth of the DI endpoints: `base64("<client_id>:")`, the secret is empty. */
export function basicAuth(clientId: string): string {
  return `Basic ${Buffer.from(`${clientId}:`, 'utf8').toString('base64')}`;
}

/** Headers of the DI token endpoint (protocol §1.5): native app headers plus the form/auth ones. */
export const DI_EXTRA_HEADERS = {
  Accept: 'application/json,text/html;q=0.9,*/*;q=0.8',
  'Cache-Control': 'no-cache',
  'Content-Type': 'application/x-www-form-urlencoded',
} as const;

export type { HttpContext };
