import { describe, expect, it } from 'vitest';
import { GARMIN_SSO_CLIENT_ID, GARMIN_SSO_USER_AGENT, garminLogin } from '../src/index.js';
import { EMAIL, failure, PASSWORD, requestsTo, useSim } from './helpers.js';

const ANDROID = 'https://mobile.integration.garmin.com/gcm/android';
const IOS = 'https://mobile.integration.garmin.com/gcm/ios';
const steps = (sim: Awaited<ReturnType<typeof useSim>>) =>
  sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`);

describe('the SSO requests follow the recorded login (protocol §10)', () => {
  it('GETs the sign-in page first and sends its session cookies, UA and client id with the login', async () => {
    expect([GARMIN_SSO_CLIENT_ID, GARMIN_SSO_USER_AGENT]).toEqual(['GCM_ANDROID_DARK', 'GCM-iOS-5.22.1.4']);
    const sim = await useSim();
    await garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls });
    const [page, login] = sim.requests;
    expect(`${page?.method} ${page?.path}?${page?.query}`).toBe(
      'GET /mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK',
    );
    expect(page?.headers['user-agent']).toBe('GCM-iOS-5.22.1.4');
    expect(page?.headers.accept).toBe('*/*');
    expect(page?.headers.cookie).toBeUndefined();

    expect(login?.path).toBe('/mobile/api/login');
    expect(Object.fromEntries(login?.query ?? [])).toEqual({
      clientId: 'GCM_ANDROID_DARK',
      locale: 'en-US',
      service: ANDROID,
    });
    expect(login?.headers['user-agent']).toBe('GCM-iOS-5.22.1.4');
    expect(login?.headers['content-type']).toBe('application/json');
    expect(login?.headers.cookie).toMatch(/(^|; )SESSION=[^;]+/);
    expect(login?.headers.cookie).toMatch(/(^|; )__cf_bm=[^;]+/);
    expect(login?.headers.cookie).toMatch(/(^|; )__VCAP_ID__=[^;]+/);
    const [exchange] = requestsTo(sim, /oauth\/token/);
    expect(new URLSearchParams(exchange?.body).get('service_url')).toBe(ANDROID);
  });

  it('ssoClientId GCM_IOS_DARK switches the service to …/gcm/ios, in the login and in the DI exchange', async () => {
    const sim = await useSim();
    const tokens = await garminLogin({
      email: EMAIL,
      password: PASSWORD,
      urls: sim.urls,
      ssoClientId: 'GCM_IOS_DARK',
    });
    expect(tokens.accessToken).toBeTruthy();
    const [page, login] = sim.requests;
    expect(page?.query.get('clientId')).toBe('GCM_IOS_DARK');
    expect(login?.query.get('clientId')).toBe('GCM_IOS_DARK');
    expect(login?.query.get('service')).toBe(IOS);
    const [exchange] = requestsTo(sim, /oauth\/token/);
    expect(new URLSearchParams(exchange?.body).get('service_url')).toBe(IOS);
  });

  it('userAgent replaces the sign-in user agent (and headers can still override it)', async () => {
    const webView =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
    const sim = await useSim();
    await garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls, userAgent: webView });
    expect(requestsTo(sim, /^\/mobile\//).map((r) => r.headers['user-agent'])).toEqual([webView, webView]);
    // The DI and API calls keep the native app headers: the option is about the sign-in only.
    expect(requestsTo(sim, /oauth\/token/)[0]?.headers['user-agent']).toBe('GCM-Android-5.23');

    const other = await useSim();
    await garminLogin({
      email: EMAIL,
      password: PASSWORD,
      urls: other.urls,
      userAgent: webView,
      headers: { 'User-Agent': 'wg-sync-test/2' },
    });
    expect(requestsTo(other, /^\/mobile\//).map((r) => r.headers['user-agent'])).toEqual([
      'wg-sync-test/2',
      'wg-sync-test/2',
    ]);
  });

  it('refuses a malformed ssoClientId or userAgent before anything is sent', async () => {
    const sim = await useSim();
    for (const bad of [{ ssoClientId: 'GCM ANDROID' }, { userAgent: '' }, { userAgent: 'a\r\nX-Evil: 1' }]) {
      await expect(garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls, ...bad })).rejects.toThrow(
        RangeError,
      );
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('the sign-in page fails with 5xx → UPSTREAM, and the password is never sent', async () => {
    const sim = await useSim();
    sim.faults.add('server-error', 1, '/mobile/sso/en/sign-in');
    const error = await failure(garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls }));
    expect(error.code).toBe('UPSTREAM');
    expect(steps(sim)).toEqual(['GET /mobile/sso/en/sign-in 500']);
  });
});

describe('a sign-in rate limit ends the attempt: nothing else is sent (protocol §10)', () => {
  it("Cloudflare's 1015 page (429) on the login → RATE_LIMITED with retryAfterMs; only the page GET and the POST", async () => {
    const sim = await useSim();
    sim.faults.add({ kind: 'cloudflare-429', retryAfterSeconds: 7200 }, 1, '/mobile/api/login');
    const error = await failure(garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(7_200_000);
    expect(steps(sim)).toEqual(['GET /mobile/sso/en/sign-in 200', 'POST /mobile/api/login 429']);
  });

  it('a JSON 429 on the login, without Retry-After → RATE_LIMITED, retryAfterMs unset, two requests', async () => {
    const sim = await useSim();
    sim.faults.add('json-429', 1, '/mobile/api/login');
    const error = await failure(garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBeUndefined();
    expect(sim.requests).toHaveLength(2);
  });

  it('a 429 already on the sign-in page → RATE_LIMITED and the password never leaves', async () => {
    const sim = await useSim();
    sim.faults.add({ kind: 'cloudflare-429', retryAfterSeconds: 60 }); // default: every SSO path
    const error = await failure(garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(60_000);
    expect(steps(sim)).toEqual(['GET /mobile/sso/en/sign-in 429']);
  });

  it('a 429 at the MFA step → RATE_LIMITED, no second code, no other endpoint', async () => {
    const sim = await useSim({
      accounts: [{ email: 'mfa@example.com', password: 'pw-mfa-1234', mfa: true }],
    });
    sim.faults.add('rate-limited', 1, '/mobile/api/mfa/verifyCode');
    let asked = 0;
    const error = await failure(
      garminLogin({
        email: 'mfa@example.com',
        password: 'pw-mfa-1234',
        urls: sim.urls,
        mfaAttempts: 3,
        mfa: async () => {
          asked += 1;
          return sim.lastMfaCode('mfa@example.com') ?? '';
        },
      }),
    );
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(30_000);
    expect(asked).toBe(1);
    expect(steps(sim)).toEqual([
      'GET /mobile/sso/en/sign-in 200',
      'POST /mobile/api/login 200',
      'POST /mobile/api/mfa/verifyCode 429',
    ]);
  });
});
