import { describe, expect, it } from 'vitest';
import { GarminClient, type GarminTokens, refreshGarminTokens } from '../src/index.js';
import { login, requestsTo, useSim } from './helpers.js';

const MINUTE = 60_000;
const TOKEN = /oauth\/token/;

async function frozenSim() {
  const sim = await useSim({ accessTokenTtlSeconds: 3600 });
  sim.clock.set(new Date('2026-11-20T06:00:00Z'));
  return { sim, tokens: await login(sim) };
}

describe('GarminClient with tokens shared between processes', () => {
  it('picks up a newer stored set instead of sending its spent refresh token', async () => {
    const { sim, tokens } = await frozenSim();
    // Another process refreshed first and stored the result.
    const newer = await refreshGarminTokens(tokens, { urls: sim.urls });
    const exchanges = requestsTo(sim, TOKEN).length;
    sim.clock.advance(50 * MINUTE); // our copy is due for a refresh, theirs too by now...
    const fresh = { ...newer, expiresAt: new Date(sim.clock.now().getTime() + 3000 * 1000) }; // ...unless it is fresh
    const client = new GarminClient({
      tokens,
      urls: sim.urls,
      now: () => sim.clock.now(),
      reloadTokens: async () => fresh,
    });
    await client.verifySession();
    expect(requestsTo(sim, TOKEN)).toHaveLength(exchanges); // no refresh with the spent token
    expect(client.tokens.refreshToken).toBe(newer.refreshToken);
  });

  it('refreshes with the stored refresh token when the stored set is also due', async () => {
    const { sim, tokens } = await frozenSim();
    const newer = await refreshGarminTokens(tokens, { urls: sim.urls });
    sim.clock.advance(50 * MINUTE);
    const saved: GarminTokens[] = [];
    const client = new GarminClient({
      tokens,
      urls: sim.urls,
      now: () => sim.clock.now(),
      reloadTokens: async () => newer,
      onTokens: async (t) => void saved.push(t),
    });
    await expect(client.verifySession()).resolves.toMatchObject({ displayName: expect.any(String) });
    expect(saved).toHaveLength(1);
    expect(saved[0]?.refreshToken).not.toBe(newer.refreshToken);
  });

  it('uses the set onTokens resolves with (the winner of a compare-and-swap race)', async () => {
    const { sim, tokens: ours } = await frozenSim();
    const winner = await refreshGarminTokens(await login(sim), { urls: sim.urls });
    sim.clock.advance(50 * MINUTE); // ours is due: the client refreshes, then the store answers with the winner's set
    const client = new GarminClient({
      tokens: ours,
      urls: sim.urls,
      now: () => sim.clock.now(),
      onTokens: async () => winner,
    });
    await client.verifySession();
    expect(client.tokens.accessToken).toBe(winner.accessToken);
    expect(sim.requests.at(-1)?.headers.authorization).toBe(`Bearer ${winner.accessToken}`);
  });
});
