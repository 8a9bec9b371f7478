import { describe, expect, it } from 'vitest';
import { WithingsApiError, WithingsClient, type WithingsTokens } from '../src/index.js';
import { calls, clientFor, grantCalls, simWithUser } from './helpers.js';

const HOUR = 3600_000;

describe('WithingsClient token handling', () => {
  it('never refreshes a token that is still valid', async () => {
    const { sim, userId } = await simWithUser();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    await client.getMeasures();
    await client.getMeasures({ lastUpdate: new Date(0) });
    expect(grantCalls(sim)).toHaveLength(0);
    expect(calls(sim, '/measure')).toHaveLength(2);
  });

  it('refreshes before use when the access token expires within 5 minutes, and stores the pair first', async () => {
    const { sim, userId } = await simWithUser();
    sim.clock.set(new Date('2026-11-20T06:00:00Z'));
    const tokens = sim.issueTokens(userId);
    sim.clock.advance(3 * HOUR - 4 * 60_000); // 4 minutes left
    const { client, stored } = clientFor(sim, tokens);
    await client.getMeasures();
    expect(grantCalls(sim)).toHaveLength(1);
    expect(stored).toHaveLength(1);
    const measure = calls(sim, '/measure')[0];
    expect(measure?.headers.authorization).toBe(`Bearer ${stored[0]?.accessToken}`);
    expect(client.tokens.refreshToken).toBe(stored[0]?.refreshToken);
  });

  it('awaits onTokens before the new access token is used', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = { ...sim.issueTokens(userId), expiresAt: new Date(Date.now() - 1000) };
    const seen: string[] = [];
    const { client } = clientFor(sim, tokens, {
      onTokens: async (next) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        seen.push(`stored:${next.accessToken}`);
        seen.push(`measure calls so far: ${calls(sim, '/measure').length}`);
      },
    });
    await client.getMeasures();
    expect(seen[1]).toBe('measure calls so far: 0');
    expect(calls(sim, '/measure')).toHaveLength(1);
  });

  it('does not use the new pair when storing it fails, and says why', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = { ...sim.issueTokens(userId), expiresAt: new Date(Date.now() - 1000) };
    const { client } = clientFor(sim, tokens, {
      onTokens: async () => {
        throw new Error('disk full');
      },
    });
    await expect(client.getMeasures()).rejects.toThrow('disk full');
    expect(calls(sim, '/measure')).toHaveLength(0);
    expect(client.tokens.refreshToken).toBe(tokens.refreshToken);
    // The old refresh token is still in its grace period, so nothing is lost: the next call can refresh again.
    expect(sim.isRefreshTokenValid(tokens.refreshToken)).toBe(true);
  });

  it('refreshes once when Withings refuses the access token, then retries once', async () => {
    const { sim, userId } = await simWithUser();
    const { client, stored } = clientFor(sim, sim.issueTokens(userId));
    sim.faults.add({ status: 401 }, 1, '/measure');
    await client.getMeasures();
    expect(grantCalls(sim)).toHaveLength(1);
    expect(stored).toHaveLength(1);
    expect(calls(sim, '/measure')).toHaveLength(2);
  });

  it('gives up with INVALID_TOKEN when the retried call is refused again', async () => {
    const { sim, userId } = await simWithUser();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    sim.faults.add({ status: 401 }, 2, '/measure');
    await expect(client.getMeasures()).rejects.toMatchObject({ code: 'INVALID_TOKEN', status: 401 });
    expect(grantCalls(sim)).toHaveLength(1);
    expect(calls(sim, '/measure')).toHaveLength(2);
  });

  it('shares one refresh between concurrent calls', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = { ...sim.issueTokens(userId), expiresAt: new Date(Date.now() - 1000) };
    const { client, stored } = clientFor(sim, tokens);
    sim.latencyMs = 30;
    await Promise.all([
      client.getMeasures(),
      client.getMeasures(),
      client.notify.list(),
      client.getMeasures(),
    ]);
    expect(grantCalls(sim)).toHaveLength(1);
    expect(stored).toHaveLength(1);
    const bearers = new Set(
      sim.requests.filter((r) => r.path !== '/v2/oauth2').map((r) => r.headers.authorization),
    );
    expect(bearers).toEqual(new Set([`Bearer ${stored[0]?.accessToken}`]));
  });

  it('a dead refresh token is REAUTH_REQUIRED, without secrets in the message', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = { ...sim.issueTokens(userId), expiresAt: new Date(Date.now() - 1000) };
    sim.revokeTokens(userId);
    const { client } = clientFor(sim, tokens);
    const error = (await client.getMeasures().catch((e: unknown) => e)) as WithingsApiError;
    expect(error).toBeInstanceOf(WithingsApiError);
    expect(error.code).toBe('REAUTH_REQUIRED');
    for (const secret of [tokens.accessToken, tokens.refreshToken, sim.clientSecret]) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
  });

  it('uses the pair onTokens resolves with (a newer pair another process stored)', async () => {
    const { sim, userId } = await simWithUser();
    const newer = sim.issueTokens(userId);
    const tokens = { ...sim.issueTokens(userId), expiresAt: new Date(Date.now() - 1000) };
    const { client } = clientFor(sim, tokens, { onTokens: async () => newer });
    await client.getMeasures();
    expect(client.tokens.accessToken).toBe(newer.accessToken);
    expect(calls(sim, '/measure')[0]?.headers.authorization).toBe(`Bearer ${newer.accessToken}`);
  });

  it('reloads a newer stored pair instead of sending an outdated refresh token', async () => {
    const { sim, userId } = await simWithUser();
    const old = { ...sim.issueTokens(userId), expiresAt: new Date(Date.now() - 1000) };
    const newer = sim.issueTokens(userId);
    const { client } = clientFor(sim, old, { reloadTokens: async () => newer });
    await client.getMeasures();
    expect(grantCalls(sim)).toHaveLength(0);
    expect(client.tokens.refreshToken).toBe(newer.refreshToken);
  });

  it('two clients refreshing at once over one shared store end with one valid token pair', async () => {
    const { sim, userId } = await simWithUser();
    const initial: WithingsTokens = { ...sim.issueTokens(userId), expiresAt: new Date(Date.now() - 1000) };
    // A tiny versioned store with compare-and-swap, like the one core uses.
    let record = { version: 1, tokens: initial };
    const makeClient = () => {
      let loadedVersion = record.version;
      return new WithingsClient({
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        baseUrl: sim.url,
        tokens: record.tokens,
        reloadTokens: async () => {
          loadedVersion = record.version;
          return record.tokens;
        },
        onTokens: async (next) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (record.version !== loadedVersion) return record.tokens; // lost the race: use the winner's pair
          record = { version: record.version + 1, tokens: next };
          loadedVersion = record.version;
          return undefined;
        },
      });
    };
    const [a, b] = [makeClient(), makeClient()];
    sim.latencyMs = 20;
    await Promise.all([a.getMeasures(), b.getMeasures(), a.getMeasures(), b.getMeasures()]);
    sim.latencyMs = 0;
    expect(a.tokens).toEqual(record.tokens);
    expect(b.tokens).toEqual(record.tokens);
    expect(sim.isAccessTokenValid(record.tokens.accessToken)).toBe(true);
    expect(sim.isRefreshTokenValid(record.tokens.refreshToken)).toBe(true);
    // and the stored pair keeps working: it can be refreshed and used
    const later = new WithingsClient({
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      baseUrl: sim.url,
      tokens: record.tokens,
    });
    await later.refresh();
    await expect(later.getMeasures()).resolves.toBeDefined();
  });

  it('refresh() forces a new pair and hands it to onTokens', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = sim.issueTokens(userId);
    const { client, stored } = clientFor(sim, tokens);
    const next = await client.refresh();
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect(stored).toEqual([next]);
  });
});
