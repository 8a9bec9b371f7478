import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerError } from './errors.js';

/**
 * The JSON keys the credentials secret may hold: the same names as the environment variables
 * `loadConfigFromEnv` reads, so a value can live in either place. Only static credentials belong
 * here; the rotating Withings and Garmin tokens live in the DynamoDB table.
 */
export const SECRET_KEYS = [
  'WITHINGS_CLIENT_ID',
  'WITHINGS_CLIENT_SECRET',
  'WG_SYNC_API_TOKEN',
  'WG_SYNC_WEBHOOK_SECRET',
] as const;

/** One of {@link SECRET_KEYS}. */
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The credentials found in the secret (keys with empty values are left out). */
export type WgSyncSecrets = Partial<Record<SecretKey, string>>;

/** Loads the secret: the first call reads it, later calls share that result; a failed read is retried next call. */
export type SecretsLoader = () => Promise<WgSyncSecrets>;

/** Options of {@link secretsFromSecretsManager}. */
export interface SecretsFromSecretsManagerOptions {
  /** Default: a new `SecretsManagerClient` with region and credentials from the environment. */
  client?: SecretsManagerClient;
}

/**
 * A loader for wg-sync's static credentials, kept in one Secrets Manager secret as a JSON object with
 * the {@link SECRET_KEYS} (unknown keys are ignored). Create the loader once per container (at module
 * scope, as `lambdaHandlerFromEnv` does): the secret is then read once, on first use, and a failure is
 * not remembered, so the next invocation tries again. Errors name the secret and what is wrong with
 * it, never a value.
 *
 * IAM: `secretsmanager:GetSecretValue` on the secret.
 *
 * @param secretId - The secret's name or ARN.
 * @throws {@link SecretsManagerError} (from the loader) `SECRET_UNAVAILABLE` when the read fails,
 *   `SECRET_INVALID` when the content is not a JSON object of strings.
 *
 * @example
 * ```ts
 * const loadSecrets = secretsFromSecretsManager(process.env.WG_SYNC_SECRET_ID!);
 * export const handler = async () => {
 *   const { WITHINGS_CLIENT_SECRET } = await loadSecrets();
 *   // …
 * };
 * ```
 */
export function secretsFromSecretsManager(
  secretId: string,
  options: SecretsFromSecretsManagerOptions = {},
): SecretsLoader {
  if (typeof secretId !== 'string' || secretId.trim() === '') {
    throw new TypeError('secretsFromSecretsManager: secretId must be the secret name or ARN');
  }
  let cached: Promise<WgSyncSecrets> | undefined;
  return () => {
    cached ??= read(secretId, options.client ?? new SecretsManagerClient({})).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

async function read(secretId: string, client: SecretsManagerClient): Promise<WgSyncSecrets> {
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    const name = (error as Error)?.name ?? 'Error';
    throw new SecretsManagerError(
      'SECRET_UNAVAILABLE',
      secretId,
      `could not read secret ${secretId} (${name}${name === 'AccessDeniedException' ? ': the function needs secretsmanager:GetSecretValue on it' : ''})`,
      { cause: error },
    );
  }
  const invalid = (why: string) =>
    new SecretsManagerError(
      'SECRET_INVALID',
      secretId,
      `secret ${secretId} ${why}; store a JSON object with the keys ${SECRET_KEYS.join(', ')}`,
    );
  if (text === undefined) throw invalid('has no SecretString (binary secrets are not supported)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text it failed on, which here is a secret: say nothing of it.
    throw invalid('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('is not a JSON object');
  }
  const secrets: WgSyncSecrets = {};
  for (const name of SECRET_KEYS) {
    const value = (parsed as Record<string, unknown>)[name];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') throw invalid(`has a non-string value for ${name}`);
    secrets[name] = value;
  }
  return secrets;
}
