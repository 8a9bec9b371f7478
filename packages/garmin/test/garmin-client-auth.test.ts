import { describe, expect, it } from 'vitest';
import { GARMIN_NATIVE_HEADERS, GarminClient, type GarminTokens, refreshGarminTokens } from '../src/index.js';
import { FAST_RETRY, failure, fixtureBytes, login, requestsTo, useSim } from './helpers.js';

const MINUTE = 60_000;
const API = /^\/[a-z]+-service\//;
const TOKEN = /oauth\/token/;
const bearerOf = (r: { headers: Record<string, string> }) => r.headers.authorization?.replace(/^Bearer /, '');

async function frozenSim(ttlSeconds = 3600) {
  const sim = await useSim({ accessTokenTtlSeconds: ttlSeconds });
  sim.clock.set(new Date('2026-11-20T06:00:00Z'));
  const tokens = await login(sim);
  return { sim, tokens, baseline: sim.requests.length };
}

/** A client on the frozen simulator's clock that records every token set it persists. */
async function frozenClient() {
  const frozen = await frozenSim();
  const saved: GarminTokens[] = [];
  const client = new GarminClient({
    tokens: frozen.tokens,
    urls: frozen.sim.urls,
    now: () => frozen.sim.clock.now(),
    onTokens: async (t) => void saved.push(t),
  });
  return { ...frozen, client, saved };
}

describe('GarminClient token handling', () => {
  it('does not refresh a token that is still valid (more than 15 min left)', async () => {
    const { sim, tokens, client, saved } = await frozenClient();
    sim.clock.advance(44 * MINUTE); // 16 min left
    await client.verifySession();
    expect(requestsTo(sim, TOKEN)).toHaveLength(1); // the login's exchange only
    expect(saved).toEqual([]);
    expect(client.tokens.accessToken).toBe(tokens.accessToken);
  });

  it('refreshes proactively at expiresAt − 15 min, persists, then uses the new token', async () => {
    const { sim, tokens, client, saved, baseline } = await frozenClient();
    sim.clock.advance(46 * MINUTE); // 14 min left: still valid at Garmin, but due
    await client.verifySession();
    const after = sim.requests.slice(baseline).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(after).toEqual([
      'POST /di-oauth2-service/oauth/token 200',
      'GET /userprofile-service/socialProfile 200', // the new token's verification
      'GET /userprofile-service/socialProfile 200',
    ]);
    expect(saved).toHaveLength(1);
    expect(saved[0]?.refreshToken).not.toBe(tokens.refreshToken);
    expect(saved[0]?.expiresAt?.getTime()).toBe(sim.clock.now().getTime() + 3600_000);
    expect(bearerOf(sim.requests.at(-1) as never)).toBe(saved[0]?.accessToken);
    expect(client.tokens).toEqual(saved[0]);
  });

  it('never refreshes proactively when the expiry is unknown (expiresAt null)', async () => {
    const { sim, tokens } = await frozenSim();
    const client = new GarminClient({
      tokens: { ...tokens, expiresAt: null },
      urls: sim.urls,
      now: () => sim.clock.now(),
    });
    sim.clock.advance(50 * MINUTE);
    await client.verifySession();
    expect(requestsTo(sim, TOKEN)).toHaveLength(1);
  });

  it('accepts tokens whose expiresAt is an ISO string (JSON parsed by hand) and still refreshes on time', async () => {
    const { sim, tokens } = await frozenSim();
    const parsed = JSON.parse(JSON.stringify(tokens)) as GarminTokens;
    expect(typeof parsed.expiresAt).toBe('string');
    const client = new GarminClient({ tokens: parsed, urls: sim.urls, now: () => sim.clock.now() });
    expect(client.tokens.expiresAt).toEqual(tokens.expiresAt);
    sim.clock.advance(46 * MINUTE);
    await client.verifySession();
    expect(requestsTo(sim, TOKEN)).toHaveLength(2);
  });

  it('concurrent calls on one client share ONE refresh (and onTokens runs once)', async () => {
    const { sim, tokens } = await frozenSim();
    let saves = 0;
    const client = new GarminClient({
      tokens,
      urls: sim.urls,
      now: () => sim.clock.now(),
      onTokens: async () => {
        saves += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    sim.clock.advance(61 * MINUTE); // expired
    const from = new Date('2026-11-01T00:00:00Z');
    const to = new Date('2026-11-20T00:00:00Z');
    const results = await Promise.all([
      client.listWeighIns({ from, to }),
      client.listWeighIns({ from, to }),
      client.verifySession(),
      client.listBloodPressure({ from, to }),
      client.verifySession(),
    ]);
    expect(results).toHaveLength(5);
    expect(requestsTo(sim, TOKEN)).toHaveLength(2); // login exchange + ONE refresh
    expect(saves).toBe(1);
    const apiCalls = requestsTo(sim, API).slice(1); // after the login's socialProfile
    expect(new Set(apiCalls.map(bearerOf))).toEqual(new Set([client.tokens.accessToken]));
  });

  it('awaits onTokens before the new access token is used', async () => {
    const { sim, tokens } = await frozenSim();
    // Recorded when the client sends, not when the simulator answers: a slow box cannot hide a request.
    const sent: Array<{ path: string; bearer: string | undefined }> = [];
    const recording: typeof fetch = (input, init) => {
      const auth = new Headers(init?.headers).get('authorization') ?? '';
      sent.push({ path: new URL(String(input)).pathname, bearer: /^Bearer (.+)$/.exec(auth)?.[1] });
      return fetch(input, init);
    };
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let saving = (_fresh: GarminTokens) => {};
    const entered = new Promise<GarminTokens>((resolve) => {
      saving = resolve;
    });
    const client = new GarminClient({
      tokens,
      urls: sim.urls,
      fetch: recording,
      now: () => sim.clock.now(),
      onTokens: async (fresh) => {
        saving(fresh);
        await gate;
      },
    });
    sim.clock.advance(59 * MINUTE);
    let settled = false;
    const call = client.verifySession().finally(() => {
      settled = true;
    });
    const fresh = await entered;
    // Only the verification call has used the new token (it runs before onTokens is asked).
    expect(sent).toEqual([
      { path: '/di-oauth2-service/oauth/token', bearer: undefined },
      { path: '/userprofile-service/socialProfile', bearer: fresh.accessToken },
    ]);
    // While onTokens is held open the call must not move on. A client that does not await it sends
    // its next request within microtasks; the window only gives a broken one more time to show up,
    // so a slow box makes this check weaker, never wrong.
    await Promise.race([call.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 200))]);
    expect(settled).toBe(false);
    expect(sent).toHaveLength(2);
    release();
    await call;
    expect(sent.slice(2)).toEqual([
      { path: '/userprofile-service/socialProfile', bearer: fresh.accessToken },
    ]);
    expect(bearerOf(sim.requests.at(-1) as never)).toBe(fresh.accessToken);
  });

  it('a failing onTokens fails the call; the next call offers the tokens again before using them', async () => {
    const { sim, tokens } = await frozenSim();
    const offered: string[] = [];
    let fail = true;
    const client = new GarminClient({
      tokens,
      urls: sim.urls,
      now: () => sim.clock.now(),
      onTokens: async (t) => {
        offered.push(t.refreshToken);
        if (fail) throw new Error('disk full');
      },
    });
    sim.clock.advance(59 * MINUTE);
    await expect(client.verifySession()).rejects.toThrow('disk full');
    expect(client.tokens.refreshToken).not.toBe(tokens.refreshToken); // kept in memory: the old one is dead
    fail = false;
    await client.verifySession();
    expect(offered).toHaveLength(2);
    expect(offered[0]).toBe(offered[1]);
    expect(requestsTo(sim, TOKEN)).toHaveLength(2); // no second refresh
  });

  it('on a 401: refreshes once and retries the upload with a rebuilt multipart body', async () => {
    const sim = await useSim();
    const tokens = await login(sim);
    const saved: GarminTokens[] = [];
    const client = new GarminClient({ tokens, urls: sim.urls, onTokens: async (t) => void saved.push(t) });
    sim.faults.add('expired-token', 1, '/upload-service/upload');
    const bytes = fixtureBytes('fit_weight_sdk_encoder.fit');
    const result = await client.uploadFit(bytes);
    expect(result.status).toBe('accepted');
    const uploads = requestsTo(sim, /upload-service/);
    expect(uploads.map((r) => r.status)).toEqual([401, 202]);
    expect(bearerOf(uploads[0] as never)).toBe(tokens.accessToken);
    expect(bearerOf(uploads[1] as never)).toBe(saved[0]?.accessToken);
    expect(uploads[1]?.body.length).toBe(uploads[0]?.body.length);
    expect(uploads[1]?.body).toContain('filename="weight.fit"');
    expect(sim.weighIns('user@example.com')).toHaveLength(1);
    expect(sim.weighIns('user@example.com')[0]?.weight).toBe(68420);
  });

  it('a revoked access token is refreshed after the 401 and the call succeeds', async () => {
    const sim = await useSim();
    const client = new GarminClient({ tokens: await login(sim), urls: sim.urls });
    sim.revokeAccessTokens();
    await expect(client.verifySession()).resolves.toEqual({ displayName: 'user.garmin' });
    expect(
      requestsTo(sim, API)
        .map((r) => r.status)
        .slice(-3),
    ).toEqual([401, 200, 200]); // the call, the new token's verification, the retried call
  });

  it('concurrent 401s share one refresh', async () => {
    const sim = await useSim();
    const client = new GarminClient({ tokens: await login(sim), urls: sim.urls });
    sim.revokeAccessTokens();
    await Promise.all([client.verifySession(), client.verifySession(), client.verifySession()]);
    expect(requestsTo(sim, TOKEN)).toHaveLength(2);
  });

  it('still 401 after the refresh → AUTH_EXPIRED, without looping', async () => {
    const sim = await useSim();
    const client = new GarminClient({ tokens: await login(sim), urls: sim.urls, retry: FAST_RETRY });
    const before = sim.requests.length;
    sim.faults.add('expired-token', 2, /^\/weight-service\//);
    const error = await failure(client.listWeighIns({ from: new Date(0), to: new Date() }));
    expect(error.code).toBe('AUTH_EXPIRED');
    expect(error.status).toBe(401);
    expect(sim.requests.slice(before).map((r) => `${r.path.split('/')[1]} ${r.status}`)).toEqual([
      'weight-service 401',
      'di-oauth2-service 200',
      'userprofile-service 200', // the new token works for socialProfile, yet this endpoint refuses it
      'weight-service 401',
    ]);
  });

  it('refresh answered invalid_grant → REAUTH_REQUIRED', async () => {
    const { sim, tokens } = await frozenSim();
    await refreshGarminTokens(tokens, { urls: sim.urls }); // someone else used the refresh token
    const client = new GarminClient({ tokens, urls: sim.urls, now: () => sim.clock.now() });
    sim.clock.advance(61 * MINUTE);
    const error = await failure(client.listWeighIns({ from: new Date(0), to: sim.clock.now() }));
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(error.message).not.toContain(tokens.refreshToken);
    expect(requestsTo(sim, /weight-service/)).toHaveLength(0);
  });

  it('sends the native header set on every API call, overridable through headers', async () => {
    const sim = await useSim();
    const client = new GarminClient({
      tokens: await login(sim),
      urls: sim.urls,
      headers: { 'User-Agent': 'wg-sync-test/1.0', 'X-Extra': 'yes' },
    });
    await client.verifySession();
    await client.listWeighIns({ from: new Date('2026-01-01'), to: new Date('2026-01-31') });
    await client.uploadFit(fixtureBytes('fit_weight_legacy_layout.fit'));
    const calls = requestsTo(sim, API).slice(1);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      for (const [name, value] of Object.entries(GARMIN_NATIVE_HEADERS)) {
        if (name === 'User-Agent') continue;
        expect(call.headers[name.toLowerCase()], `${call.path} ${name}`).toBe(value);
      }
      expect(call.headers['user-agent']).toBe('wg-sync-test/1.0');
      expect(call.headers['x-extra']).toBe('yes');
      expect(call.headers.authorization).toMatch(/^Bearer eyJ/);
    }
  });
});
