import { describe, expect, it } from 'vitest';
import { ANDROID, CLIENT_ID, EMAIL, type Json, PASSWORD, rawClient, useSim } from './garmin-helpers.js';

const decodeJwt = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;

describe('Garmin simulator: the sign-in session (protocol §10)', () => {
  it('the sign-in page sets SESSION, __VCAP_ID__ and __cf_bm; a login POST without them gets the Cloudflare challenge', async () => {
    const sim = await useSim({ accounts: [{ email: 'mfa@example.com', password: 'pw-1', mfa: true }] });
    const raw = rawClient(sim);
    const page = await fetch(`${sim.url}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK`);
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie().map((line) => line.split('=')[0])).toEqual([
      'SESSION',
      '__VCAP_ID__',
      '__cf_bm',
    ]);
    expect((await fetch(`${sim.url}/mobile/sso/en/sign-in`)).status).toBe(400); // clientId is required

    const post = (cookie?: string) =>
      fetch(`${sim.url}/mobile/api/login?${raw.query()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ username: 'mfa@example.com', password: 'pw-1', rememberMe: false }),
      });
    const bare = await post();
    expect([bare.status, bare.headers.get('cf-mitigated')]).toEqual([403, 'challenge']);
    const session = await raw.session();
    const forged = await post(session.replace(/__cf_bm=[^;]+/, '__cf_bm=forged'));
    expect(forged.status).toBe(403);
    expect(sim.mfaCodes('mfa@example.com')).toEqual([]);

    // The MFA step rides on the page's SESSION: the login answer sets no cookie of its own.
    const login = await post(session);
    expect(login.status).toBe(200);
    expect(login.headers.getSetCookie()).toEqual([]);
    const verify = await raw.verify(sim.lastMfaCode('mfa@example.com') ?? '', session);
    expect(verify.body.responseStatus.type).toBe('SUCCESSFUL');
    expect(sim.secrets()).toEqual(expect.arrayContaining([/SESSION=([^;]+)/.exec(session)?.[1]]));
  });
});

describe('Garmin simulator: DI behaviours 2026 reports describe (protocol §10)', () => {
  it.each([
    [
      'a rotated id: ids left out of clientIds are invalid_client, and the ticket survives',
      false,
      200,
      undefined,
    ],
    [
      'refusalSpendsTicket: the refused id used the ticket up, the next id gets invalid_grant',
      true,
      400,
      'invalid_grant',
    ],
  ])('%s', async (_name, refusalSpendsTicket, nextStatus, nextError) => {
    const sim = await useSim({ clientIds: [CLIENT_ID], refusalSpendsTicket });
    const raw = rawClient(sim);
    const { body } = await raw.login();
    const stale = await raw.exchange(
      body.serviceTicketId,
      ANDROID,
      'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3',
    );
    expect([stale.response.status, stale.body.error]).toEqual([401, 'invalid_client']);
    const next = await raw.exchange(body.serviceTicketId);
    expect([next.response.status, next.body.error]).toEqual([nextStatus, nextError]);
  });

  it('jwtClientId: tokens are issued to that id, and only that id may refresh them', async () => {
    const issued = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q4';
    const sim = await useSim({ jwtClientId: issued });
    const raw = rawClient(sim);
    const { body: login } = await raw.login();
    const { body: tokens } = await raw.exchange(login.serviceTicketId);
    expect(decodeJwt(tokens.access_token).client_id).toBe(issued);
    const refresh = (clientId: string) =>
      raw.token({ grant_type: 'refresh_token', client_id: clientId, refresh_token: tokens.refresh_token });
    expect((await refresh(CLIENT_ID)).body.error).toBe('invalid_grant');
    const rotated = await refresh(issued);
    expect(rotated.response.status).toBe(200);
    expect(decodeJwt(rotated.body.access_token).client_id).toBe(issued);
  });

  it('refreshWithoutRefreshToken: the answer has no refresh_token and the old one keeps working', async () => {
    const sim = await useSim({ refreshWithoutRefreshToken: true });
    const raw = rawClient(sim);
    const first = await raw.accessToken(EMAIL, PASSWORD);
    const refresh = () =>
      raw.token({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: first.refresh_token });
    const once = await refresh();
    expect(once.response.status).toBe(200);
    expect(once.body).not.toHaveProperty('refresh_token');
    expect(once.body.access_token).toMatch(/^eyJ/);
    expect((await refresh()).response.status).toBe(200);
  });

  it('the inactive-token fault: the next token answer is normal, but the API calls its token not active', async () => {
    const sim = await useSim();
    const raw = rawClient(sim);
    const first = await raw.accessToken();
    sim.faults.add('inactive-token');
    const refresh = (token: string) =>
      raw.token({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: token });
    const bad = await refresh(first.refresh_token);
    expect(bad.response.status).toBe(200);
    const refused = await raw.api(bad.body.access_token, '/userprofile-service/socialProfile');
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([
      401,
      'Bearer error="invalid_token", error_description="Token is not active"',
    ]);
    const good = await refresh(bad.body.refresh_token); // its refresh token still works
    expect((await raw.api(good.body.access_token, '/userprofile-service/socialProfile')).status).toBe(200);
  });
});
