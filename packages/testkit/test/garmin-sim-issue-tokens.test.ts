import { expect, it } from 'vitest';
import { createClock } from '../src/index.js';
import { EMAIL, rawClient, useSim } from './garmin-helpers.js';

// issueTokens skips the sign-in (for setups with thousands of accounts), not the token rules: what
// it hands out is what the DI token endpoint would, and the API and the refresh grant treat it so.
it('issueTokens hands out DI tokens the API accepts, that refresh and rotate like signed-in ones', async () => {
  const clock = createClock(new Date('2026-11-20T06:00:00Z'));
  const sim = await useSim({ clock, accessTokenTtlSeconds: 600 });
  const raw = rawClient(sim);
  const tokens = sim.issueTokens(EMAIL);
  expect(tokens.clientId).toMatch(/^GARMIN_CONNECT_MOBILE_/);
  expect(tokens.domain).toBe('garmin.com');
  expect(tokens.expiresAt.toISOString()).toBe('2026-11-20T06:10:00.000Z');
  expect(sim.secrets()).toEqual(expect.arrayContaining([tokens.accessToken, tokens.refreshToken]));

  expect((await raw.api(tokens.accessToken, '/userprofile-service/socialProfile')).status).toBe(200);
  const refresh = (token: string, clientId = tokens.clientId) =>
    raw.token({ grant_type: 'refresh_token', client_id: clientId, refresh_token: token });
  expect((await refresh(tokens.refreshToken, 'GARMIN_CONNECT_MOBILE_IOS_DI')).response.status).toBe(400);
  const second = await refresh(tokens.refreshToken);
  expect(second.response.status).toBe(200);
  expect((await refresh(tokens.refreshToken)).response.status).toBe(400);

  clock.advance(600_000);
  expect((await raw.api(tokens.accessToken, '/userprofile-service/socialProfile')).status).toBe(401);
  expect(() => sim.issueTokens('nobody@example.com')).toThrow();
});
