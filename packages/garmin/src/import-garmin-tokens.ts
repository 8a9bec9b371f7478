import { GarminApiError } from './errors.js';
import { jwtExpiry, readJwt } from './jwt.js';
import { ourTokenFile, pgcTokenFile } from './schemas.js';
import type { GarminDomain, GarminTokens } from './types.js';

/**
 * Reads saved tokens: ours (`JSON.stringify(tokens)`) or python-garminconnect's `garmin_tokens.json`
 * (`{ "di_token", "di_refresh_token", "di_client_id" }`), so an existing python setup moves over
 * without a new login. `expiresAt` is taken from the JWT's `exp`; the region from its issuer.
 *
 * @param json - The file's text, or the already parsed object.
 * @throws {@link GarminApiError} `PROTOCOL` for anything else (the message says what is wrong and
 *   never quotes the input): not JSON, missing fields, an unsigned JWT, or garth's pre-2026 OAuth1/OAuth2
 *   files, which cannot be converted (log in once instead).
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { GarminClient, importGarminTokens } from '@wg-sync/garmin';
 *
 * const tokens = importGarminTokens(await readFile(`${process.env.HOME}/.garminconnect/garmin_tokens.json`, 'utf8'));
 * const client = new GarminClient({ tokens });
 * ```
 */
export function importGarminTokens(json: string | object): GarminTokens {
  const value = typeof json === 'string' ? parse(json) : json;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('expected a JSON object with Garmin tokens');
  }
  const record = value as Record<string, unknown>;

  const pgc = pgcTokenFile.safeParse(record);
  if (pgc.success) {
    const claims = readJwt(pgc.data.di_token);
    const clientId =
      pgc.data.di_client_id ?? (typeof claims?.client_id === 'string' ? claims.client_id : undefined);
    if (!clientId)
      throw invalid('python-garminconnect token file without di_client_id (and none in the token)');
    const { di_token: accessToken, di_refresh_token: refreshToken } = pgc.data;
    return build({ accessToken, refreshToken, clientId, domain: domainOf(claims?.iss) }, null);
  }

  const ours = ourTokenFile.safeParse(record);
  if (ours.success) {
    const claims = readJwt(ours.data.accessToken);
    const clientId =
      ours.data.clientId ?? (typeof claims?.client_id === 'string' ? claims.client_id : undefined);
    if (!clientId) throw invalid('token JSON without clientId (and none in the access token)');
    const domain: GarminDomain = ours.data.domain ?? domainOf(claims?.iss);
    const { accessToken, refreshToken } = ours.data;
    return build({ accessToken, refreshToken, clientId, domain }, ours.data.expiresAt ?? null);
  }

  if ('oauth_token' in record || 'oauth_token_secret' in record || 'access_token' in record) {
    throw invalid(
      'this is a garth-era (pre-2026) OAuth1/OAuth2 token file; those cannot be turned into DI tokens. Log in once with garminBrowserLogin() or garminLogin()',
    );
  }
  const fields = Object.keys(record)
    .filter((k) => /^[A-Za-z_][\w-]{0,40}$/.test(k))
    .slice(0, 8)
    .join(', ');
  throw invalid(
    `not a Garmin token file: expected { accessToken, refreshToken, clientId } or { di_token, di_refresh_token, di_client_id }, got keys: ${fields || 'none'}`,
  );
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The SyntaxError would quote part of the input (a token): never attach it.
    throw invalid('the token file is not valid JSON');
  }
}

/** `expiresAt` comes from the access token's JWT; the saved expiry is only used when it has none. */
function build(
  { accessToken, refreshToken, clientId, domain }: Omit<GarminTokens, 'expiresAt'>,
  savedExpiry: string | number | Date | null,
): GarminTokens {
  let expiresAt = jwtExpiry(accessToken); // throws PROTOCOL for alg: none
  if (!expiresAt && savedExpiry !== null) {
    const at = new Date(savedExpiry);
    expiresAt = Number.isNaN(at.getTime()) ? null : at;
  }
  return { accessToken, refreshToken, clientId, expiresAt, domain };
}

function domainOf(issuer: unknown): GarminDomain {
  return typeof issuer === 'string' && /garmin\.cn(\/|$)/.test(issuer) ? 'garmin.cn' : 'garmin.com';
}

function invalid(reason: string): GarminApiError {
  return new GarminApiError('PROTOCOL', `cannot import Garmin tokens: ${reason}`);
}
