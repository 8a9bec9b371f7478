import { describe, expect, it } from 'vitest';
import {
  exchangeServiceTicket,
  GARMIN_DI_CLIENT_IDS,
  GarminClient,
  garminLogin,
  garminServiceUrl,
  garminSignInUrl,
  refreshGarminTokens,
} from '../src/index.js';
import { EMAIL, failure, login, PASSWORD, requestsTo, ticketFrom, useSim } from './helpers.js';

const SERVICE = garminServiceUrl();

describe('exchangeServiceTicket', () => {
  it('sends the DI exchange as recorded: Basic "<id>:", form fields, native headers', async () => {
    const sim = await useSim();
    const ticket = await ticketFrom(sim);
    const tokens = await exchangeServiceTicket(ticket, { serviceUrl: SERVICE, urls: sim.urls });
    expect(tokens.clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3');
    const [request] = requestsTo(sim, /oauth\/token/);
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from('GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3:').toString('base64')}`,
    );
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['cache-control']).toBe('no-cache');
    expect(request?.headers['user-agent']).toBe('GCM-Android-5.23');
    expect(request?.headers['x-garmin-paired-app-version']).toBe('10861');
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3',
      service_ticket: ticket,
      grant_type: 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket',
      service_url: SERVICE,
    });
  });

  it('falls through the client ids in order until Garmin accepts one', async () => {
    const sim = await useSim({ clientIds: ['GARMIN_CONNECT_MOBILE_ANDROID_DI'] });
    const tokens = await garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls });
    expect(tokens.clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI');
    const tried = requestsTo(sim, /oauth\/token/).map((r) => new URLSearchParams(r.body).get('client_id'));
    expect(tried).toEqual(GARMIN_DI_CLIENT_IDS.slice(0, 7));
    expect(requestsTo(sim, /oauth\/token/).map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 200]);
    // and the refresh uses the id that worked
    const fresh = await refreshGarminTokens(tokens, { urls: sim.urls });
    expect(fresh.clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI');
  });

  it('every client id refused → REAUTH_REQUIRED naming the refusals, not the ticket', async () => {
    const sim = await useSim({ clientIds: ['SOMETHING_ELSE'] });
    const ticket = await ticketFrom(sim);
    const error = await failure(exchangeServiceTicket(ticket, { serviceUrl: SERVICE, urls: sim.urls }));
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(error.message).toContain('GARMIN_CONNECT_MOBILE_IOS_DI: HTTP 401');
    expect(error.message).not.toContain(ticket);
    expect(requestsTo(sim, /oauth\/token/)).toHaveLength(GARMIN_DI_CLIENT_IDS.length);
  });

  it('a ticket is single-use', async () => {
    const sim = await useSim();
    const ticket = await ticketFrom(sim);
    await exchangeServiceTicket(ticket, { serviceUrl: SERVICE, urls: sim.urls });
    const error = await failure(exchangeServiceTicket(ticket, { serviceUrl: SERVICE, urls: sim.urls }));
    expect(error.code).toBe('REAUTH_REQUIRED');
  });

  it('a ticket expires within a minute (simulated clock)', async () => {
    const sim = await useSim();
    sim.clock.set(new Date());
    const ticket = await ticketFrom(sim);
    sim.clock.advance(61_000);
    const error = await failure(exchangeServiceTicket(ticket, { serviceUrl: SERVICE, urls: sim.urls }));
    expect(error.code).toBe('REAUTH_REQUIRED');
  });

  it('the service_url must be the one the ticket was issued for', async () => {
    const sim = await useSim();
    const ticket = await ticketFrom(sim, 'https://mobile.integration.garmin.com/gcm/ios');
    const error = await failure(exchangeServiceTicket(ticket, { serviceUrl: SERVICE, urls: sim.urls }));
    expect(error.code).toBe('REAUTH_REQUIRED');
    const tokens = await exchangeServiceTicket(
      await ticketFrom(sim, 'https://mobile.integration.garmin.com/gcm/ios'),
      { serviceUrl: 'https://mobile.integration.garmin.com/gcm/ios', urls: sim.urls },
    );
    expect(tokens.accessToken).toBeTruthy();
  });

  it('accepts a whole pasted address carrying ticket=ST-…', async () => {
    const sim = await useSim();
    const ticket = await ticketFrom(sim);
    const pasted = `  ${SERVICE}?ticket=${ticket}  `;
    const tokens = await exchangeServiceTicket(pasted, { serviceUrl: SERVICE, urls: sim.urls });
    await expect(new GarminClient({ tokens, urls: sim.urls }).verifySession()).resolves.toBeTruthy();
  });

  it('refuses something that is not a ticket, without sending it anywhere', async () => {
    const sim = await useSim();
    const error = await failure(exchangeServiceTicket('hello', { serviceUrl: SERVICE, urls: sim.urls }));
    expect(error.code).toBe('PROTOCOL');
    expect(sim.requests).toHaveLength(0);
  });

  it('a 429 stops the exchange at the first client id', async () => {
    const sim = await useSim();
    const ticket = await ticketFrom(sim);
    sim.faults.add('rate-limited', 1, '/di-oauth2-service/oauth/token');
    const error = await failure(exchangeServiceTicket(ticket, { serviceUrl: SERVICE, urls: sim.urls }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(30_000);
    expect(requestsTo(sim, /oauth\/token/)).toHaveLength(1);
  });

  it('garminSignInUrl points at the mobile service sign-in page', () => {
    expect(garminSignInUrl()).toBe(
      'https://sso.garmin.com/mobile/sso/en_US/sign-in?clientId=GCM_ANDROID_DARK&service=https%3A%2F%2Fmobile.integration.garmin.com%2Fgcm%2Fandroid',
    );
    expect(garminSignInUrl({ domain: 'garmin.cn' })).toContain('https://sso.garmin.cn/');
    expect(garminSignInUrl({ domain: 'garmin.cn' })).toContain('mobile.integration.garmin.cn');
  });
});

describe('refreshGarminTokens', () => {
  it('rotates: the new pair works, the old refresh token is refused after use', async () => {
    const sim = await useSim();
    const first = await login(sim);
    const second = await refreshGarminTokens(first, { urls: sim.urls });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    const [request] = requestsTo(sim, /oauth\/token/).slice(-1);
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: 'refresh_token',
      client_id: first.clientId,
      refresh_token: first.refreshToken,
    });
    const reused = await failure(refreshGarminTokens(first, { urls: sim.urls }));
    expect(reused.code).toBe('REAUTH_REQUIRED');
    expect(reused.status).toBe(400);
    expect(reused.message).toContain('invalid_grant');
    expect(reused.message).not.toContain(first.refreshToken);
    const third = await refreshGarminTokens(second, { urls: sim.urls });
    await expect(new GarminClient({ tokens: third, urls: sim.urls }).verifySession()).resolves.toBeTruthy();
  });

  it('an expired refresh token → REAUTH_REQUIRED', async () => {
    const sim = await useSim({ refreshTokenTtlSeconds: 60 });
    sim.clock.set(new Date());
    const tokens = await login(sim);
    sim.clock.advance(61_000);
    expect((await failure(refreshGarminTokens(tokens, { urls: sim.urls }))).code).toBe('REAUTH_REQUIRED');
  });

  it('CN tokens refresh at diauth.garmin.cn and CN hosts are used everywhere by default', async () => {
    const sim = await useSim();
    const seen: string[] = [];
    // Route every default Garmin host to the simulator, remembering where the client meant to go.
    const viaSim: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      seen.push(`${url.origin}${url.pathname}`);
      return fetch(`${sim.url}${url.pathname}${url.search}`, init);
    };
    const tokens = await garminLogin({
      email: EMAIL,
      password: PASSWORD,
      domain: 'garmin.cn',
      fetch: viaSim,
    });
    expect(tokens.domain).toBe('garmin.cn');
    await refreshGarminTokens(tokens, { fetch: viaSim });
    expect(seen).toEqual([
      'https://sso.garmin.cn/mobile/sso/en/sign-in',
      'https://sso.garmin.cn/mobile/api/login',
      'https://diauth.garmin.cn/di-oauth2-service/oauth/token',
      'https://connectapi.garmin.cn/userprofile-service/socialProfile',
      'https://diauth.garmin.cn/di-oauth2-service/oauth/token',
    ]);
    expect(requestsTo(sim, /\/mobile\/api\/login/)[0]?.query.get('service')).toBe(
      'https://mobile.integration.garmin.cn/gcm/android',
    );
  });

  it('a 5xx from diauth → UPSTREAM, not REAUTH_REQUIRED (the refresh token may still be good)', async () => {
    const sim = await useSim();
    const tokens = await login(sim);
    sim.faults.add('server-error', 1, '/di-oauth2-service/oauth/token');
    const error = await failure(refreshGarminTokens(tokens, { urls: sim.urls }));
    expect(error.code).toBe('UPSTREAM');
    expect(requestsTo(sim, /oauth\/token/)).toHaveLength(2); // login + one refresh: never retried
  });
});
