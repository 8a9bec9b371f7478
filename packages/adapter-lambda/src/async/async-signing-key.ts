import { hkdfSync } from 'node:crypto';

const SALT = 'wg-sync/adapter-lambda';
const INFO = 'async-invoke notification signature v1';

/**
 * The HMAC-SHA256 key for the adapter's async self-invocations, derived with HKDF-SHA256 from a
 * secret the deployment already has (by default the Withings client secret). Deriving it, instead of
 * using the secret itself, means a leaked signature key reveals nothing about the client secret, and
 * the same secret keyed for another purpose can never produce a valid signature here.
 */
export function asyncSigningKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, INFO, 32));
}
