import type { GarminSim } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { GarminClient, type GarminTokens, garminLogin, refreshGarminTokens } from '../src/index.js';
import { EMAIL, failure, login, PASSWORD, requestsTo, useSim } from './helpers.js';

const TOKEN = /oauth\/token/;
const bearerOf = (r: { headers: Record<string, string> }) => r.headers.authorization?.replace(/^Bearer /, '');
const basicOf = (clientId: string) => `Basic ${Buffer.from(`${clientId}:`).toString('base64')}`;

/** A client whose access token is due, so the next call refreshes first. */
function dueClient(sim: GarminSim, tokens: GarminTokens, saved: GarminTokens[]) {
  return new GarminClient({
    tokens: { ...tokens, expiresAt: new Date(Date.now() - 1000) },
    urls: sim.urls,
    onTokens: async (t) => void saved.push(t),
  });
}

/** A simulator, tokens from a real login, and how many requests that login made. */
async function loggedIn() {
  const sim = await useSim();
  const tokens = await login(sim);
  return { sim, tokens, before: sim.requests.length };
}

/** `<service> <status>` of a request, e.g. `di-oauth2-service 200`. */
const serviceAndStatus = (r: { path: string; status?: number }) => `${r.path.split('/')[1]} ${r.status}`;
/** What the simulator answered since request number `before`, one `<service> <status>` each. */
const servedSince = (sim: GarminSim, before: number) => sim.requests.slice(before).map(serviceAndStatus);

describe('the JWT’s client_id wins over the one asked for (protocol §10)', () => {
  it('login keeps the JWT’s id, and a refresh through GarminClient works with it', async () => {
    const issued = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q4';
    const sim = await useSim({ jwtClientId: issued });
    const lines: string[] = [];
    const tokens = await garminLogin({
      email: EMAIL,
      password: PASSWORD,
      urls: sim.urls,
      debug: (l) => lines.push(l),
    });
    const [exchange] = requestsTo(sim, TOKEN);
    expect(new URLSearchParams(exchange?.body).get('client_id')).toBe(
      'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3',
    );
    expect(tokens.clientId).toBe(issued);
    expect(lines.join('\n')).toContain(`Garmin issued the tokens to ${issued}`);

    const saved: GarminTokens[] = [];
    await expect(dueClient(sim, tokens, saved).verifySession()).resolves.toEqual({
      displayName: 'user.garmin',
    });
    const refresh = requestsTo(sim, TOKEN).at(-1);
    expect(new URLSearchParams(refresh?.body).get('client_id')).toBe(issued);
    expect(refresh?.headers.authorization).toBe(basicOf(issued));
    expect(refresh?.status).toBe(200);
    expect(saved.map((t) => t.clientId)).toEqual([issued]);
  });
});

describe('a refresh answer without refresh_token keeps the old one (protocol §10)', () => {
  it('refreshGarminTokens and GarminClient keep the refresh token, which stays usable', async () => {
    const sim = await useSim({ refreshWithoutRefreshToken: true });
    const first = await login(sim);
    const second = await refreshGarminTokens(first, { urls: sim.urls });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).toBe(first.refreshToken);

    const saved: GarminTokens[] = [];
    await dueClient(sim, second, saved).verifySession();
    expect(saved).toHaveLength(1);
    expect(saved[0]?.refreshToken).toBe(first.refreshToken);
    expect(saved[0]?.accessToken).not.toBe(second.accessToken);
  });

  it('a ticket exchange without refresh_token is still PROTOCOL: such tokens would die within a day', async () => {
    const sim = await useSim();
    sim.faults.add(
      {
        kind: 'rewrite-json',
        rewrite: (body) => {
          delete (body as Record<string, unknown>).refresh_token;
        },
      },
      1,
      '/di-oauth2-service/oauth/token',
    );
    const error = await failure(garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls }));
    expect(error.code).toBe('PROTOCOL');
    expect(error.message).toMatch(/refresh_token/);
  });
});

describe('every refreshed token is proven with one real call before onTokens sees it (protocol §10)', () => {
  it('a good refresh costs exactly one extra call (socialProfile), made before onTokens', async () => {
    const { sim, tokens, before } = await loggedIn();
    const order: string[] = [];
    const client = new GarminClient({
      tokens: { ...tokens, expiresAt: new Date(Date.now() - 1000) },
      urls: sim.urls,
      onTokens: async (t) => {
        order.push(`onTokens after ${sim.requests.length - before} requests`);
        expect(bearerOf(sim.requests.at(-1) as never)).toBe(t.accessToken);
      },
    });
    await client.listWeighIns({ from: new Date('2026-11-01'), to: new Date('2026-11-02') });
    expect(servedSince(sim, before)).toEqual([
      'di-oauth2-service 200',
      'userprofile-service 200',
      'weight-service 200',
    ]);
    expect(order).toEqual(['onTokens after 2 requests']);
  });

  it('one "not active" token → one more refresh; onTokens gets only the good set', async () => {
    const { sim, tokens, before } = await loggedIn();
    sim.faults.add('inactive-token', 1);
    const saved: GarminTokens[] = [];
    const client = dueClient(sim, tokens, saved);
    await expect(client.verifySession()).resolves.toEqual({ displayName: 'user.garmin' });

    const after = sim.requests.slice(before);
    expect(after.map(serviceAndStatus)).toEqual([
      'di-oauth2-service 200',
      'userprofile-service 401', // the first refreshed token: not active
      'di-oauth2-service 200',
      'userprofile-service 200', // the second one works
      'userprofile-service 200', // the call itself
    ]);
    const badToken = bearerOf(after[1] as never);
    expect(saved).toHaveLength(1);
    expect(saved[0]?.accessToken).not.toBe(badToken);
    expect(saved[0]?.accessToken).toBe(bearerOf(after[3] as never));
    // The second refresh used the first answer's refresh token (the original one was spent).
    expect(new URLSearchParams(after[2]?.body).get('refresh_token')).not.toBe(tokens.refreshToken);
    expect(client.tokens.accessToken).toBe(saved[0]?.accessToken);
  });

  it('two "not active" tokens in a row → REAUTH_REQUIRED; onTokens never sees a bad token', async () => {
    const { sim, tokens, before } = await loggedIn();
    sim.faults.add('inactive-token', 2);
    const saved: GarminTokens[] = [];
    const error = await failure(dueClient(sim, tokens, saved).verifySession());
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(error.message).toMatch(/sign in again/);
    expect(saved).toEqual([]);
    expect(servedSince(sim, before)).toEqual([
      'di-oauth2-service 200',
      'userprofile-service 401',
      'di-oauth2-service 200',
      'userprofile-service 401',
    ]);
    for (const secret of sim.secrets()) expect(error.message).not.toContain(secret);
  });

  it('a verification call that fails otherwise (5xx) proves nothing: the rotated set is kept, not lost', async () => {
    const sim = await useSim();
    const tokens = await login(sim);
    sim.faults.add('server-error', 1, '/userprofile-service/socialProfile');
    const saved: GarminTokens[] = [];
    const lines: string[] = [];
    const client = new GarminClient({
      tokens: { ...tokens, expiresAt: new Date(Date.now() - 1000) },
      urls: sim.urls,
      onTokens: async (t) => void saved.push(t),
      debug: (line) => lines.push(line),
    });
    await expect(client.verifySession()).resolves.toEqual({ displayName: 'user.garmin' });
    expect(saved).toHaveLength(1);
    expect(requestsTo(sim, TOKEN)).toHaveLength(2); // the login's exchange + one refresh
    expect(lines.join('\n')).toMatch(/refreshed token not verified \(UPSTREAM\); using it/);
  });
});
