import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WithingsApiError, WithingsClient, WithingsValidationError } from '../src/index.js';
import { calls, clientFor, failure, simWithUser } from './helpers.js';

describe('every failure is a typed WithingsApiError', () => {
  it.each([
    [{ status: 2554, error: 'Not implemented' }, 'UNAUTHORIZED'],
    [{ status: 277, error: 'Unauthorized' }, 'UNAUTHORIZED'],
    [{ status: 247, error: 'Invalid Params: startdate' }, 'INVALID_PARAMS'],
    [{ status: 503, error: 'Invalid Params' }, 'INVALID_PARAMS'],
    [{ status: 522, error: 'Timeout' }, 'TIMEOUT'],
    [{ status: 524, error: 'Bad state' }, 'UPSTREAM'],
    [{ status: 2555, error: 'An unknown error occurred' }, 'UNAUTHORIZED'],
    [{ status: 5000, error: 'An error occurred' }, 'UPSTREAM'],
  ] as const)('status %o → %s', async (fault, code) => {
    const { sim, userId } = await simWithUser();
    sim.faults.add(fault, 1, '/measure');
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const error = await failure(client.getMeasures());
    expect(error.code).toBe(code);
    expect(error.status).toBe(fault.status);
    expect(error.message).toContain(`status ${fault.status}`);
  });

  it('601 is RATE_LIMITED with the wait Withings asked for', async () => {
    const { sim, userId } = await simWithUser();
    sim.faults.add({ status: 601, waitSeconds: 68 }, 1, '/measure');
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const error = await failure(client.getMeasures());
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 601, retryAfterMs: 68_000 });
    expect(calls(sim, '/measure')).toHaveLength(1);
  });

  it('a 601 whose wait fits maxRateLimitWaitMs is waited out once', async () => {
    const { sim, userId } = await simWithUser();
    sim.faults.add(
      { status: 601, waitSeconds: 0.05, error: 'Same arguments in less than 10 seconds' },
      1,
      '/measure',
    );
    const { client } = clientFor(sim, sim.issueTokens(userId), { maxRateLimitWaitMs: 1000 });
    await expect(client.getMeasures()).resolves.toBeDefined();
    expect(calls(sim, '/measure')).toHaveLength(2);
  });

  it('a second 601 after waiting is thrown', async () => {
    const { sim, userId } = await simWithUser();
    sim.faults.add({ status: 601, waitSeconds: 0.01 }, 2, '/measure');
    const { client } = clientFor(sim, sim.issueTokens(userId), { maxRateLimitWaitMs: 1000 });
    expect((await failure(client.getMeasures())).code).toBe('RATE_LIMITED');
    expect(calls(sim, '/measure')).toHaveLength(2);
  });

  it('HTTP 500 is UPSTREAM with the HTTP status', async () => {
    const { sim, userId } = await simWithUser();
    sim.faults.add({ http: 500 }, 1, '/measure');
    const { client } = clientFor(sim, sim.issueTokens(userId));
    expect(await failure(client.getMeasures())).toMatchObject({ code: 'UPSTREAM', httpStatus: 500 });
  });

  it('HTTP 429 is RATE_LIMITED', async () => {
    const { sim, userId } = await simWithUser();
    sim.faults.add({ http: 429, body: 'slow down' }, 1, '/measure');
    const { client } = clientFor(sim, sim.issueTokens(userId));
    expect(await failure(client.getMeasures())).toMatchObject({ code: 'RATE_LIMITED', httpStatus: 429 });
  });

  it('malformed JSON and an empty body are UPSTREAM', async () => {
    const { sim, userId } = await simWithUser();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    sim.faults.add('malformed-json', 1, '/measure');
    expect(await failure(client.getMeasures())).toMatchObject({
      code: 'UPSTREAM',
      message: expect.stringMatching(/not JSON/),
    });
    sim.faults.add('empty-body', 1, '/measure');
    expect(await failure(client.getMeasures())).toMatchObject({
      code: 'UPSTREAM',
      message: expect.stringMatching(/empty/),
    });
  });

  it('no answer in time is TIMEOUT', async () => {
    const { sim, userId } = await simWithUser();
    sim.faults.add('hang', 1, '/measure');
    const { client } = clientFor(sim, sim.issueTokens(userId), { timeoutMs: 150 });
    expect(await failure(client.getMeasures())).toMatchObject({ code: 'TIMEOUT' });
  });

  it('a refused connection is UPSTREAM', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = sim.issueTokens(userId);
    const url = sim.url;
    await sim.close();
    const client = new WithingsClient({ clientId: 'c', clientSecret: 's-secret', baseUrl: url, tokens });
    const error = await failure(client.getMeasures());
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/request failed/);
  });

  it('a body of the wrong shape is a WithingsValidationError keeping the raw value, tokens redacted', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = sim.issueTokens(userId);
    const shape = {
      status: 0,
      body: { updatetime: 'soon', measuregrps: [], refresh_token: tokens.refreshToken },
    };
    const fetchStub: typeof fetch = async () => new Response(JSON.stringify(shape));
    const client = new WithingsClient({
      clientId: 'c',
      clientSecret: 's',
      baseUrl: sim.url,
      tokens,
      fetch: fetchStub,
    });
    const error = await failure(client.getMeasures());
    expect(error).toBeInstanceOf(WithingsValidationError);
    const validation = error as WithingsValidationError;
    expect(validation.code).toBe('UPSTREAM');
    expect(validation.issues.some((issue) => issue.startsWith('updatetime'))).toBe(true);
    expect(validation.rawValue).toMatchObject({ updatetime: 'soon', refresh_token: '[redacted]' });
    expect(inspect(validation, { depth: 5 })).not.toContain(tokens.refreshToken);
  });

  it('a response that is not an envelope is a WithingsValidationError', async () => {
    const { sim, userId } = await simWithUser();
    const fetchStub: typeof fetch = async () => new Response('[1,2,3]');
    const client = new WithingsClient({
      clientId: 'c',
      clientSecret: 's',
      baseUrl: sim.url,
      tokens: sim.issueTokens(userId),
      fetch: fetchStub,
    });
    expect(await failure(client.getMeasures())).toBeInstanceOf(WithingsValidationError);
  });

  it('no error of any kind carries a token, the client secret or a callback path', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = sim.issueTokens(userId);
    const secretPath = 'https://sync.example.org/webhook/withings/s3cr3t-path-4f9a';
    const { client } = clientFor(sim, tokens);
    const errors: unknown[] = [];
    const faults = [
      { status: 401 },
      { status: 503 },
      { status: 601 },
      { http: 502 },
      'malformed-json',
      'empty-body',
    ] as const;
    for (const fault of faults) {
      sim.faults.add(fault, 2);
      errors.push(await client.getMeasures().catch((e: unknown) => e));
      sim.faults.clear();
    }
    errors.push(await client.notify.subscribe({ callbackUrl: secretPath }).catch((e: unknown) => e));
    errors.push(await client.notify.get({ callbackUrl: secretPath }).catch((e: unknown) => e));
    errors.push(await client.notify.revoke({ callbackUrl: secretPath }).catch((e: unknown) => e));
    sim.revokeTokens(userId);
    const expired = clientFor(sim, { ...tokens, expiresAt: new Date(0) }).client;
    errors.push(await expired.getMeasures().catch((e: unknown) => e));
    expect(errors.every((e) => e instanceof WithingsApiError)).toBe(true);
    const everything = errors
      .map((e) => `${inspect(e, { depth: 8 })} ${JSON.stringify(e)} ${(e as Error).stack}`)
      .join('\n');
    for (const secret of [tokens.accessToken, tokens.refreshToken, sim.clientSecret, 's3cr3t-path-4f9a']) {
      expect(everything).not.toContain(secret);
    }
  });
});
