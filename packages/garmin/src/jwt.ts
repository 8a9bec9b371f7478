import { GarminApiError } from './errors.js';

/** The claims of a DI access token that this package reads. */
export interface JwtClaims {
  exp?: unknown;
  client_id?: unknown;
  iss?: unknown;
}

/**
 * Reads a JWT's header and payload without verifying the signature (only Garmin can). An unsigned
 * token (`alg: none`) is refused: a real Garmin token is always signed. A token that is not a
 * readable JWT gives `undefined` claims.
 *
 * @throws {@link GarminApiError} `PROTOCOL` for `alg: none`.
 */
export function readJwt(token: string): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const header = decodePart(parts[0] ?? '');
  if (header && typeof header.alg === 'string' && header.alg.toLowerCase() === 'none') {
    throw new GarminApiError('PROTOCOL', 'the access token is an unsigned JWT (alg: none); refusing it');
  }
  if (!header || typeof header.alg !== 'string') return undefined;
  return decodePart(parts[1] ?? '');
}

/**
 * When the access token expires: the JWT's `exp` (epoch seconds) as a Date, or `null` when it is
 * missing or unreadable (such a token is only refreshed after a 401).
 *
 * @throws {@link GarminApiError} `PROTOCOL` for `alg: none`.
 */
export function jwtExpiry(token: string): Date | null {
  const exp = readJwt(token)?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) return null;
  const at = new Date(exp * 1000);
  return Number.isNaN(at.getTime()) ? null : at;
}

function decodePart(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
