import { describe, expect, it } from 'vitest';
import { type CliWorld, GARMIN_EMAIL, GARMIN_PASSWORD, linkedWorld as linked, run } from './cli.js';

const credentials = { GARMIN_EMAIL, GARMIN_PASSWORD };
const ssoCalls = (world: CliWorld) =>
  world.garmin.requests.filter((r) => /^\/(mobile|portal)\//.test(r.path)).length;
const garminCalls = (world: CliWorld) => world.garmin.requests.length;

describe('wg-sync garmin login when Garmin rate-limits the sign-in', () => {
  it('a 429 records a cooldown; the next login sends nothing until it ends; --force sends with a warning', async () => {
    const world = await linked();
    world.garmin.faults.add({ kind: 'cloudflare-429', retryAfterSeconds: 60 }, 1, /\/api\/login$/);
    const env = { ...world.env, ...credentials };

    const first = await run(['garmin', 'login'], env);
    expect(first.code).toBe(4);
    expect(first.stderr).toMatch(/rate-limited the sign-in .*nothing else was tried/);
    expect(first.stderr).toMatch(/possible at \d{4}-\d\d-\d\dT/);
    expect(first.stderr).toMatch(/in about 2 h/);
    // One login POST, no second endpoint, no ticket exchange, no browser.
    expect(world.garmin.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(world.garmin.requests.some((r) => r.path.includes('oauth'))).toBe(false);

    const before = garminCalls(world);
    const second = await run(['garmin', 'login'], env);
    expect(second.code).toBe(4);
    expect(second.stderr).toMatch(/earlier; nothing was sent/);
    expect(second.stderr).toMatch(/--force/);
    expect(garminCalls(world)).toBe(before);

    const forced = await run(['garmin', 'login', '--force'], env);
    expect(forced.stderr).toMatch(/warning: signing in during a Garmin rate-limit cooldown/);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/linked to Withings user/);
    expect(ssoCalls(world)).toBeGreaterThan(0);

    // A successful sign-in ends the cooldown.
    const again = await run(['garmin', 'login'], env);
    expect(again.code).toBe(0);
  });
});

describe('wg-sync garmin login when Garmin rotates its DI client ids', () => {
  const NEW_ID = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2027Q1';

  it('with only the built-in list, says sign in again and names --client-ids; --client-ids and WG_SYNC_GARMIN_CLIENT_IDS fix it', async () => {
    const world = await linked({ garmin: { clientIds: [NEW_ID] } });
    const env = { ...world.env, ...credentials };

    const stale = await run(['garmin', 'login'], env);
    expect(stale.code).toBe(3);
    expect(stale.stderr).toMatch(/sign in again/i);
    expect(stale.stderr).toMatch(/--client-ids or WG_SYNC_GARMIN_CLIENT_IDS/);
    for (const secret of world.garmin.secrets()) expect(stale.stdout + stale.stderr).not.toContain(secret);

    const flag = await run(
      ['garmin', 'login', '--client-ids', `${NEW_ID},GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2`],
      env,
    );
    expect(flag.code).toBe(0);
    const exchanged = world.garmin.requests.filter((r) => r.path.endsWith('/oauth/token')).at(-1);
    expect(exchanged?.headers.authorization).toBe(`Basic ${Buffer.from(`${NEW_ID}:`).toString('base64')}`);

    const fromEnv = await run(['garmin', 'login'], { ...env, WG_SYNC_GARMIN_CLIENT_IDS: NEW_ID });
    expect(fromEnv.code).toBe(0);
  });

  it('refuses a malformed --client-ids before anything is sent (exit 2)', async () => {
    const world = await linked();
    const before = garminCalls(world);
    const result = await run(['garmin', 'login', '--client-ids', 'a b,'], { ...world.env, ...credentials });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--client-ids must be a comma-separated list/);
    expect(garminCalls(world)).toBe(before);
  });
});

describe('wg-sync garmin login --transport impit', () => {
  it('signs in through impit (the plumbing: impersonation itself needs the real Garmin)', async () => {
    const world = await linked();
    const result = await run(['garmin', 'login', '--transport', 'impit'], { ...world.env, ...credentials });
    expect(result.stderr).not.toMatch(/impit/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/linked to Withings user/);
    // It went through impit (browser-only headers Node's fetch never sends), and our user agent won.
    const login = world.garmin.requests.find((r) => r.path.endsWith('/api/login'));
    expect(login?.headers['sec-fetch-site']).toBeDefined();
    expect(login?.headers['user-agent']).toMatch(/^GCM-/);
  });

  it('is refused for the methods that do not sign in with a password (exit 2)', async () => {
    const world = await linked();
    const result = await run(['garmin', 'login', '--method', 'ticket', '--transport', 'impit'], world.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--transport impit only applies to --method mobile/);
  });
});
