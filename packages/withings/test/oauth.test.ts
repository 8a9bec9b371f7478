import { describe, expect, it } from 'vitest';
import { WithingsApiError, withingsOAuth } from '../src/index.js';
import { simWithUser } from './helpers.js';

const redirectUri = 'https://sync.example.org/withings/callback';

describe('withingsOAuth.authorizeUrl', () => {
  it('builds the documented consent URL with comma-separated scopes', () => {
    const url = new URL(withingsOAuth.authorizeUrl({ clientId: 'abc', redirectUri, state: 's1' }));
    expect(url.origin + url.pathname).toBe('https://account.withings.com/oauth2_user/authorize2');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'abc',
      scope: 'user.metrics',
      redirect_uri: redirectUri,
      state: 's1',
    });
    const wide = new URL(
      withingsOAuth.authorizeUrl({
        clientId: 'abc',
        redirectUri,
        state: 's',
        scope: ['user.info', 'user.metrics'],
      }),
    );
    expect(wide.searchParams.get('scope')).toBe('user.info,user.metrics');
  });
});

describe('OAuth code flow against the simulator', () => {
  it('consent page → Allow → redirect with code and state → tokens', async () => {
    const { sim, userId } = await simWithUser({ redirectUris: [redirectUri] });
    const authorize = withingsOAuth.authorizeUrl({
      clientId: sim.clientId,
      redirectUri,
      state: 'xyz',
      accountUrl: sim.url,
    });
    const page = await (await fetch(authorize)).text();
    expect(page).toContain('Allow this app');
    // Submit the page's form as a browser would.
    const hidden = Object.fromEntries(
      [...page.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const decision = await fetch(`${sim.url}/oauth2_user/authorize2`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hidden, userid: userId, decision: 'allow' }),
    });
    expect(decision.status).toBe(302);
    const back = new URL(decision.headers.get('location') ?? '');
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('xyz');
    const code = back.searchParams.get('code') ?? '';

    const tokens = await withingsOAuth.exchangeCode({
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      code,
      redirectUri,
      baseUrl: sim.url,
      now: () => sim.clock.now(),
    });
    expect(tokens.userId).toBe(userId);
    expect(tokens.scope).toEqual(['user.metrics']);
    expect(tokens.expiresAt.getTime() - sim.clock.now().getTime()).toBeCloseTo(10_800_000, -4);
    expect(sim.isAccessTokenValid(tokens.accessToken)).toBe(true);
  });

  it('refuses an unregistered redirect URI on the consent page', async () => {
    const { sim } = await simWithUser({ redirectUris: [redirectUri] });
    const url = withingsOAuth.authorizeUrl({
      clientId: sim.clientId,
      redirectUri: 'https://evil.example/cb',
      state: 's',
      accountUrl: sim.url,
    });
    const response = await fetch(url);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('redirect_uri_mismatch');
  });

  const exchange = (sim: Awaited<ReturnType<typeof simWithUser>>['sim'], code: string, uri = redirectUri) =>
    withingsOAuth.exchangeCode({
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      code,
      redirectUri: uri,
      baseUrl: sim.url,
    });

  it('a code works once: reuse is REAUTH_REQUIRED', async () => {
    const { sim, userId } = await simWithUser();
    const code = sim.issueCode(userId, { redirectUri });
    await exchange(sim, code);
    const error = await exchange(sim, code).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WithingsApiError);
    expect(error).toMatchObject({ code: 'REAUTH_REQUIRED', status: 503 });
    expect((error as Error).message).not.toContain(code);
  });

  it('a code expires after 30 seconds', async () => {
    const { sim, userId } = await simWithUser();
    sim.clock.set(new Date('2026-11-20T06:00:00Z'));
    const code = sim.issueCode(userId, { redirectUri });
    sim.clock.advance(31_000);
    await expect(exchange(sim, code)).rejects.toMatchObject({ code: 'REAUTH_REQUIRED' });
  });

  it('a code only works with the redirect URI it was issued for', async () => {
    const { sim, userId } = await simWithUser();
    const code = sim.issueCode(userId, { redirectUri });
    await expect(exchange(sim, code, 'https://other.example/cb')).rejects.toMatchObject({
      code: 'REAUTH_REQUIRED',
    });
  });

  it('a wrong client secret is INVALID_PARAMS and the secret is not in the message', async () => {
    const { sim, userId } = await simWithUser();
    const code = sim.issueCode(userId, { redirectUri });
    const error = await withingsOAuth
      .exchangeCode({
        clientId: sim.clientId,
        clientSecret: 'wrong-secret-value',
        code,
        redirectUri,
        baseUrl: sim.url,
      })
      .catch((e: unknown) => e as WithingsApiError);
    expect(error).toMatchObject({ code: 'INVALID_PARAMS' });
    expect((error as Error).message).not.toContain('wrong-secret-value');
  });

  it('an empty code or refresh token is refused before any request', async () => {
    await expect(
      withingsOAuth.exchangeCode({
        clientId: 'a',
        clientSecret: 'b',
        code: '',
        redirectUri,
        baseUrl: 'http://127.0.0.1:9',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(
      withingsOAuth.refreshTokens({
        clientId: 'a',
        clientSecret: 'b',
        refreshToken: '',
        baseUrl: 'http://127.0.0.1:9',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});

describe('refresh-token rotation (protocol §2.4)', () => {
  it('every refresh returns a new refresh token', async () => {
    const { sim, userId } = await simWithUser();
    const first = sim.issueTokens(userId);
    const options = { clientId: sim.clientId, clientSecret: sim.clientSecret, baseUrl: sim.url };
    const second = await withingsOAuth.refreshTokens({ ...options, refreshToken: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.userId).toBe(userId);
  });

  it('the old refresh token dies once the new access token is used', async () => {
    const { sim, userId } = await simWithUser();
    const first = sim.issueTokens(userId);
    const options = { clientId: sim.clientId, clientSecret: sim.clientSecret, baseUrl: sim.url };
    const second = await withingsOAuth.refreshTokens({ ...options, refreshToken: first.refreshToken });
    expect(sim.isRefreshTokenValid(first.refreshToken)).toBe(true); // grace: not used yet
    await fetch(`${sim.url}/measure`, {
      method: 'POST',
      headers: { authorization: `Bearer ${second.accessToken}` },
      body: new URLSearchParams({ action: 'getmeas' }),
    });
    expect(sim.isRefreshTokenValid(first.refreshToken)).toBe(false);
    await expect(
      withingsOAuth.refreshTokens({ ...options, refreshToken: first.refreshToken }),
    ).rejects.toMatchObject({
      code: 'REAUTH_REQUIRED',
      status: 503,
    });
  });

  it('the old refresh token dies 8 hours after the new pair even if unused', async () => {
    const { sim, userId } = await simWithUser();
    sim.clock.set(new Date('2026-11-20T06:00:00Z'));
    const first = sim.issueTokens(userId);
    const options = { clientId: sim.clientId, clientSecret: sim.clientSecret, baseUrl: sim.url };
    await withingsOAuth.refreshTokens({ ...options, refreshToken: first.refreshToken });
    sim.clock.advance(8 * 3600_000 - 1000);
    expect(sim.isRefreshTokenValid(first.refreshToken)).toBe(true);
    sim.clock.advance(2000);
    await expect(
      withingsOAuth.refreshTokens({ ...options, refreshToken: first.refreshToken }),
    ).rejects.toMatchObject({
      code: 'REAUTH_REQUIRED',
    });
  });
});
