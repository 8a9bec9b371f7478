import { GarminApiError } from './errors.js';
import { type HttpContext, parseJson, parseWith, type ReadResponse } from './http.js';
import { jwtExpiry, readJwt } from './jwt.js';
import { diTokenResponse } from './schemas.js';
import type { GarminDomain, GarminTokens } from './types.js';

/** Turns a 2xx DI token answer into {@link GarminTokens} (expiry from the JWT's `exp`). */
export function tokensFromResponse(
  response: ReadResponse,
  what: string,
  clientId: string,
  domain: GarminDomain,
): GarminTokens {
  const body = parseWith(diTokenResponse, parseJson(response, what), what, response.status);
  const claims = readJwt(body.access_token); // throws PROTOCOL for alg: none
  if (typeof claims?.client_id === 'string' && claims.client_id !== clientId) {
    throw new GarminApiError(
      'PROTOCOL',
      `${what}: the access token was issued to another client id than the one that asked for it`,
      { status: response.status },
    );
  }
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    clientId,
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
