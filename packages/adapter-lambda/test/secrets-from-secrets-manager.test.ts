import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerError } from '../src/errors.js';
import { secretsFromSecretsManager } from '../src/secrets-from-secrets-manager.js';
import { mockedSecretsManager } from './helpers.js';

const { client, mock: sm } = mockedSecretsManager();

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wg-sync/credentials-AbCdEf';
const SECRET = {
  WITHINGS_CLIENT_ID: 'client-id-abcdef',
  WITHINGS_CLIENT_SECRET: 'withings-client-secret-0123456789',
  WG_SYNC_API_TOKEN: 'api-token-0123456789abcdef',
  WG_SYNC_WEBHOOK_SECRET: 'hook-secret-0123456789',
};
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('secretsFromSecretsManager', () => {
  it('reads the secret once and shares the result', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({
      SecretString: JSON.stringify({ ...SECRET, GARMIN_PASSWORD: 'not-ours', WITHINGS_REFRESH_TOKEN: 'x' }),
    });
    const load = secretsFromSecretsManager(ARN, { client });
    const [a, b] = await Promise.all([load(), load()]);
    expect(await load()).toBe(a);
    expect(b).toBe(a);
    expect(a).toEqual(SECRET);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('leaves out empty values, so the environment can supply them', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        WITHINGS_CLIENT_ID: '',
        WITHINGS_CLIENT_SECRET: 's3cret-value',
        WG_SYNC_API_TOKEN: null,
      }),
    });
    expect(await secretsFromSecretsManager(ARN, { client })()).toEqual({
      WITHINGS_CLIENT_SECRET: 's3cret-value',
    });
  });

  it('does not remember a failure: the next call reads again', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: JSON.stringify(SECRET) });
    const load = secretsFromSecretsManager(ARN, { client });
    const error = await failure(load());
    expect(error).toBeInstanceOf(SecretsManagerError);
    expect(error).toMatchObject({ code: 'SECRET_UNAVAILABLE', secretId: ARN });
    expect(await load()).toEqual(SECRET);
    expect(await load()).toEqual(SECRET);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('explains an access problem without AWS’s text', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized'), {
        name: 'AccessDeniedException',
      }),
    );
    const error = (await failure(secretsFromSecretsManager(ARN, { client })())) as Error;
    expect(error.message).toBe(
      `could not read secret ${ARN} (AccessDeniedException: the function needs secretsmanager:GetSecretValue on it)`,
    );
  });

  it.each([
    ['not JSON', `WITHINGS_CLIENT_SECRET=${SECRET.WITHINGS_CLIENT_SECRET}`, /is not JSON/],
    ['a JSON string', JSON.stringify(SECRET.WITHINGS_CLIENT_SECRET), /is not a JSON object/],
    ['an array', JSON.stringify([SECRET.WITHINGS_CLIENT_SECRET]), /is not a JSON object/],
    [
      'a number where a string belongs',
      JSON.stringify({
        WITHINGS_CLIENT_SECRET: SECRET.WITHINGS_CLIENT_SECRET,
        WG_SYNC_API_TOKEN: 4_815_162_342,
      }),
      /non-string value for WG_SYNC_API_TOKEN/,
    ],
    ['a truncated JSON text', JSON.stringify(SECRET).slice(0, 60), /is not JSON/],
  ])('refuses %s, never quoting it', async (_name, text, message) => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: text });
    const error = (await failure(secretsFromSecretsManager(ARN, { client })())) as SecretsManagerError;
    expect(error).toBeInstanceOf(SecretsManagerError);
    expect(error.code).toBe('SECRET_INVALID');
    expect(error.message).toMatch(message);
    const shown = `${error.message} ${error.stack} ${JSON.stringify(error)} ${String(error.cause ?? '')}`;
    for (const value of [...Object.values(SECRET), '4815162342', text]) expect(shown).not.toContain(value);
  });

  it('refuses a binary secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    await expect(secretsFromSecretsManager(ARN, { client })()).rejects.toThrow(
      /binary secrets are not supported/,
    );
  });

  it('needs a secret id', () => {
    expect(() => secretsFromSecretsManager(' ', { client })).toThrow(TypeError);
  });
});
