import { describe, expect, it } from 'vitest';
import { withingsOAuth } from '../src/index.js';
import { clientFor, failure, simWithUser } from './helpers.js';

// 507 and 508 are in no client's status list (protocol §12); the official OpenAPI puts 501–511 in
// the "invalid params" family, so they must come out typed, never as a crash or a retry loop.
describe('statuses 507 and 508', () => {
  it.each([507, 508])('getmeas answering status %i is INVALID_PARAMS, asked once', async (status) => {
    const { sim, userId } = await simWithUser();
    sim.faults.add({ status, error: 'Invalid Params' }, 1, '/measure');
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const error = await failure(client.getMeasures());
    expect(error).toMatchObject({ code: 'INVALID_PARAMS', status });
    expect(error.message).toContain(`status ${status}`);
    expect(sim.requests.filter((r) => r.path === '/measure')).toHaveLength(1);
  });

  it.each([507, 508])(
    'the token endpoint answering status %i is INVALID_PARAMS, not REAUTH_REQUIRED',
    async (status) => {
      const { sim, userId } = await simWithUser();
      const tokens = sim.issueTokens(userId);
      sim.faults.add({ status, error: 'Invalid Params' }, 1, '/v2/oauth2');
      const error = await failure(
        withingsOAuth.refreshTokens({
          clientId: sim.clientId,
          clientSecret: sim.clientSecret,
          baseUrl: sim.url,
          refreshToken: tokens.refreshToken,
        }),
      );
      expect(error).toMatchObject({ code: 'INVALID_PARAMS', status });
      expect(error.message).not.toContain(tokens.refreshToken);
      expect(sim.isRefreshTokenValid(tokens.refreshToken)).toBe(true);
    },
  );
});
