import { randomBytes, randomUUID } from 'node:crypto';
import type { AccountState } from './account-state.js';

/** The scopes of a DI token: the answer's `scope` string and the JWT's `scope` list name the same ones. */
export const DI_SCOPES = [
  'CONNECT_READ',
  'CONNECT_WRITE',
  'GHS_UPLOAD',
  'GHS_SAMD',
  'DI_API_READ',
  'INSIGHTS_READ',
];

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A DI access token for `account`, issued at `iat` (epoch seconds) and valid `ttlSeconds`: a JWT
 * whose signature part is random bytes, with the claims of a real one.
 */
export function signDiAccessToken(
  account: AccountState,
  clientId: string,
  iat: number,
  ttlSeconds: number,
): { accessToken: string; jti: string; exp: number } {
  const jti = randomUUID();
  const header = { alg: 'RS256', typ: 'JWT', kid: 'garmin-sim-key-1' };
  // The claim set, order and types of a decoded real DI token (fixture di_token_jwt_decoded.json).
  // Clients read only exp and client_id; mfa says whether this sign-in needed a code (inferred).
  const payload = {
    scope: [...DI_SCOPES],
    iss: 'https://diauth.garmin.com',
    mfa: account.mfa,
    revocation_eligibility: ['GLOBAL_SIGNOUT'],
    client_type: 'UNDEFINED',
    exp: iat + ttlSeconds,
    iat,
    garmin_guid: account.garminGUID,
    jti,
    client_id: clientId,
  };
  const accessToken = `${base64url(header)}.${base64url(payload)}.${randomBytes(64).toString('base64url')}`;
  return { accessToken, jti, exp: payload.exp };
}
