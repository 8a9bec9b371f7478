import { describe, expect, it } from 'vitest';
import { callbackUrl } from '../src/commands/webhook.js';
import { CliError, EXIT } from '../src/errors.js';

const secret = '3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e';

function refusal(input: string | undefined, options: Parameters<typeof callbackUrl>[1]): CliError {
  try {
    callbackUrl(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.USAGE);
    return error as CliError;
  }
  throw new Error(`callbackUrl(${input}) did not refuse`);
}

describe('callbackUrl (webhook subscribe)', () => {
  it('with a secret: the secret path is added to a base URL or to /webhook/withings, kept when right', () => {
    for (const [input, expected] of [
      ['https://sync.example.org', `https://sync.example.org/webhook/withings/${secret}`],
      ['https://sync.example.org/', `https://sync.example.org/webhook/withings/${secret}`],
      ['https://example.org/wg', `https://example.org/wg/webhook/withings/${secret}`],
      ['https://sync.example.org/webhook/withings', `https://sync.example.org/webhook/withings/${secret}`],
      ['https://sync.example.org/webhook/withings/', `https://sync.example.org/webhook/withings/${secret}`],
      [
        `https://sync.example.org/webhook/withings/${secret}`,
        `https://sync.example.org/webhook/withings/${secret}`,
      ],
    ]) {
      expect(callbackUrl(input, { secret })).toBe(expected);
    }
  });

  it('with a secret: a wrong secret segment, extra path, a query or a fragment is refused, secrets unsaid', () => {
    for (const input of [
      'https://sync.example.org/webhook/withings/old-secret-value-1234',
      `https://sync.example.org/webhook/withings/${secret}/more`,
      `https://sync.example.org/webhook/withings/${secret}?x=1`,
      'https://sync.example.org/#top',
      'not a url',
    ]) {
      const error = refusal(input, { secret });
      expect(`${error.message} ${error.fix}`).not.toContain(secret);
      expect(`${error.message} ${error.fix}`).not.toContain('old-secret-value-1234');
    }
  });

  it('no URL: the configured one (WG_SYNC_PUBLIC_URL), else a usage error', () => {
    const fromConfig = `https://sync.example.org/webhook/withings/${secret}`;
    expect(callbackUrl(undefined, { secret, fromConfig })).toBe(fromConfig);
    expect(refusal(undefined, { secret }).message).toBe('which URL?');
  });

  it('without a secret (allowed): /webhook/withings, and a URL with a secret segment is refused', () => {
    expect(callbackUrl('https://sync.example.org', {})).toBe('https://sync.example.org/webhook/withings');
    expect(callbackUrl('https://sync.example.org/webhook/withings', {})).toBe(
      'https://sync.example.org/webhook/withings',
    );
    expect(refusal(`https://sync.example.org/webhook/withings/${secret}`, {}).message).toMatch(
      /WG_SYNC_WEBHOOK_SECRET is not set here/,
    );
  });
});
