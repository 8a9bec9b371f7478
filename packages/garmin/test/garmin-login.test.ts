import type { GarminSim } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { GarminApiError, GarminClient, garminLogin, isGarminApiError } from '../src/index.js';
import { EMAIL, failure, PASSWORD, requestsTo, useSim } from './helpers.js';

/** The error garminLogin fails with for these credentials against `sim`. */
const loginFailure = (sim: GarminSim, email = EMAIL, password = PASSWORD) =>
  failure(garminLogin({ email, password, urls: sim.urls }));

describe('garminLogin against the simulator', () => {
  it('logs in without MFA: JSON login, DI exchange, one socialProfile call, usable tokens', async () => {
    const sim = await useSim();
    const tokens = await garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls });

    expect(tokens.clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3');
    expect(tokens.domain).toBe('garmin.com');
    expect(tokens.accessToken.split('.')).toHaveLength(3);
    expect(tokens.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /mobile/sso/en/sign-in 200',
      'POST /mobile/api/login 200',
      'POST /di-oauth2-service/oauth/token 200',
      'GET /userprofile-service/socialProfile 200',
    ]);
    const [, loginRequest] = sim.requests;
    expect(loginRequest?.query.get('clientId')).toBe('GCM_ANDROID_DARK');
    expect(loginRequest?.query.get('service')).toBe('https://mobile.integration.garmin.com/gcm/android');
    expect(JSON.parse(loginRequest?.body ?? '{}')).toEqual({
      username: EMAIL,
      password: PASSWORD,
      rememberMe: false,
      captchaToken: '',
    });
    const client = new GarminClient({ tokens, urls: sim.urls });
    await expect(client.verifySession()).resolves.toEqual({ displayName: 'user.garmin' });
  });

  it('answers MFA with the e-mailed code on the same cookie session', async () => {
    const sim = await useSim({
      accounts: [{ email: 'mfa@example.com', password: 'pw-mfa-1234', mfa: true }],
    });
    const prompts: unknown[] = [];
    const tokens = await garminLogin({
      email: 'mfa@example.com',
      password: 'pw-mfa-1234',
      urls: sim.urls,
      mfa: async (prompt) => {
        prompts.push(prompt);
        return sim.lastMfaCode('mfa@example.com') ?? '';
      },
    });
    expect(tokens.refreshToken).toBeTruthy();
    expect(prompts).toEqual([{ method: 'email', sentTo: 'mf*****@example.com', attempt: 1 }]);
    const [login, verify] = requestsTo(sim, /^\/mobile\/api\//);
    expect(verify?.path).toBe('/mobile/api/mfa/verifyCode');
    expect(verify?.query.toString()).toBe(login?.query.toString());
    expect(verify?.headers.cookie).toMatch(/(^|; )SESSION=/);
    expect(JSON.parse(verify?.body ?? '{}')).toEqual({
      mfaMethod: 'email',
      mfaVerificationCode: sim.lastMfaCode('mfa@example.com'),
      rememberMyBrowser: false,
      reconsentList: [],
      mfaSetup: false,
    });
  });

  it('MFA account without an mfa callback → MFA_REQUIRED', async () => {
    const sim = await useSim({
      accounts: [{ email: 'mfa@example.com', password: 'pw-mfa-1234', mfa: true }],
    });
    const error = await loginFailure(sim, 'mfa@example.com', 'pw-mfa-1234');
    expect(isGarminApiError(error, 'MFA_REQUIRED')).toBe(true);
    expect(error.message).toMatch(/mfa/);
  });

  it('wrong MFA code → MFA_INVALID, and no ticket is exchanged', async () => {
    const sim = await useSim({
      accounts: [{ email: 'mfa@example.com', password: 'pw-mfa-1234', mfa: true }],
    });
    const error = await failure(
      garminLogin({
        email: 'mfa@example.com',
        password: 'pw-mfa-1234',
        urls: sim.urls,
        mfa: async () => '000000x',
      }),
    );
    expect(error).toBeInstanceOf(GarminApiError);
    expect(error.code).toBe('MFA_INVALID');
    expect(requestsTo(sim, /oauth\/token/)).toHaveLength(0);
  });

  it('a wrong code can be corrected on the same session when mfaAttempts allows it', async () => {
    const sim = await useSim({
      accounts: [{ email: 'mfa@example.com', password: 'pw-mfa-1234', mfa: true }],
    });
    const tokens = await garminLogin({
      email: 'mfa@example.com',
      password: 'pw-mfa-1234',
      urls: sim.urls,
      mfaAttempts: 2,
      mfa: async ({ attempt }) => (attempt === 1 ? '999999x' : (sim.lastMfaCode('mfa@example.com') ?? '')),
    });
    expect(tokens.accessToken).toBeTruthy();
    expect(requestsTo(sim, /verifyCode/).map((r) => r.status)).toEqual([400, 200]);
    expect(requestsTo(sim, /\/mobile\/api\/login/)).toHaveLength(1);
  });

  it('an expired MFA code → MFA_INVALID', async () => {
    const sim = await useSim({
      accounts: [{ email: 'mfa@example.com', password: 'pw-mfa-1234', mfa: true }],
    });
    sim.clock.set(new Date());
    const error = await failure(
      garminLogin({
        email: 'mfa@example.com',
        password: 'pw-mfa-1234',
        urls: sim.urls,
        mfa: async () => {
          sim.clock.advance(11 * 60_000);
          return sim.lastMfaCode('mfa@example.com') ?? '';
        },
      }),
    );
    expect(error.code).toBe('MFA_INVALID');
  });

  it('invalid credentials → INVALID_CREDENTIALS (401), tried once, never retried', async () => {
    const sim = await useSim();
    const error = await loginFailure(sim, EMAIL, 'wrong password');
    expect(error.code).toBe('INVALID_CREDENTIALS');
    expect(error.status).toBe(401);
    expect(requestsTo(sim, /\/mobile\/api\//)).toHaveLength(1);
  });

  it('unknown account → INVALID_CREDENTIALS', async () => {
    const sim = await useSim();
    const error = await loginFailure(sim, 'nobody@example.com', 'whatever1');
    expect(error.code).toBe('INVALID_CREDENTIALS');
  });

  it('CAPTCHA_REQUIRED → BLOCKED with a pointer to browser login', async () => {
    const sim = await useSim();
    sim.faults.add('captcha-required');
    const error = await loginFailure(sim);
    expect(error.code).toBe('BLOCKED');
    expect(error.message).toMatch(/garminBrowserLogin/);
  });

  it('a captcha account is BLOCKED too', async () => {
    const sim = await useSim({
      accounts: [{ email: 'bot@example.com', password: 'pw-bot-1234', captcha: true }],
    });
    const error = await loginFailure(sim, 'bot@example.com', 'pw-bot-1234');
    expect(error.code).toBe('BLOCKED');
  });

  it('Cloudflare HTML 403 challenge → BLOCKED, telling the person to use browser login', async () => {
    const sim = await useSim();
    sim.faults.add('cloudflare-403');
    const error = await loginFailure(sim);
    expect(error.code).toBe('BLOCKED');
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/Cloudflare/);
    expect(error.message).toMatch(/garminBrowserLogin\(\)/);
    expect(sim.requests).toHaveLength(1);
  });

  it('Cloudflare HTML 429 → RATE_LIMITED with retryAfterMs, not retried', async () => {
    const sim = await useSim();
    sim.faults.add({ kind: 'cloudflare-429', retryAfterSeconds: 1800 });
    const error = await loginFailure(sim);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(1_800_000);
    expect(error.message).toMatch(/Cloudflare is rate-limiting/);
    expect(sim.requests).toHaveLength(1);
  });

  it('429 inside a JSON 200 body → RATE_LIMITED', async () => {
    const sim = await useSim();
    sim.faults.add('json-429');
    const error = await loginFailure(sim);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(200);
    expect(sim.requests).toHaveLength(1);
  });

  it('a JSON 429 at the MFA step → RATE_LIMITED', async () => {
    const sim = await useSim({
      accounts: [{ email: 'mfa@example.com', password: 'pw-mfa-1234', mfa: true }],
    });
    sim.faults.add('json-429', 1, '/mobile/api/mfa/verifyCode');
    const error = await failure(
      garminLogin({
        email: 'mfa@example.com',
        password: 'pw-mfa-1234',
        urls: sim.urls,
        mfa: async () => sim.lastMfaCode('mfa@example.com') ?? '',
      }),
    );
    expect(error.code).toBe('RATE_LIMITED');
  });

  it('SSO 5xx → UPSTREAM', async () => {
    const sim = await useSim();
    sim.faults.add('server-error', 1, '/mobile/api/login');
    const error = await loginFailure(sim);
    expect(error.code).toBe('UPSTREAM');
    expect(error.status).toBe(500);
    expect(sim.requests.map((r) => r.path)).toEqual(['/mobile/sso/en/sign-in', '/mobile/api/login']);
  });

  it('tokens the API refuses right after the exchange → AUTH_EXPIRED (the socialProfile check)', async () => {
    const sim = await useSim();
    sim.faults.add('expired-token', 1, '/userprofile-service/socialProfile');
    const error = await loginFailure(sim);
    expect(error.code).toBe('AUTH_EXPIRED');
  });

  it('network failure → UPSTREAM', async () => {
    const sim = await useSim();
    await sim.close();
    const error = await loginFailure(sim);
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/GET \/mobile\/sso\/en\/sign-in failed/);
  });

  it('a slow SSO → UPSTREAM timeout', async () => {
    const sim = await useSim({ latencyMs: 300 });
    const error = await failure(
      garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls, timeoutMs: 50 }),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/within 50 ms/);
  });

  it('rejects missing credentials before any request', async () => {
    await expect(
      garminLogin({ email: '', password: 'x', urls: { sso: 'http://127.0.0.1:9' } }),
    ).rejects.toThrow(TypeError);
    await expect(garminLogin({ email: 'a@b.c', password: '' })).rejects.toThrow(TypeError);
  });
});
