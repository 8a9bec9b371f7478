import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimHttpServer, startHttpServer, startWithingsSim, type WithingsSim } from '../src/index.js';

/** The Withings client's constructed fixtures, read in place (provenance: that folder's SOURCES.md). */
const WITHINGS_FIXTURES = new URL('../../withings/test/fixtures/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, WITHINGS_FIXTURES), 'utf8'));

let sim: WithingsSim;
let callback: SimHttpServer | undefined;
afterEach(async () => {
  await sim?.close();
  await callback?.close();
  callback = undefined;
});

async function post(path: string, params: Record<string, string>, accessToken?: string) {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: new URLSearchParams(params),
  });
  return response.json() as Promise<{ status: number; body: Record<string, unknown>; error?: string }>;
}

/** Every key path of a JSON value (array items merged), to compare shapes and not values. */
function keyPaths(value: unknown, prefix = ''): Set<string> {
  const paths = new Set<string>();
  if (Array.isArray(value)) {
    for (const item of value) for (const p of keyPaths(item, `${prefix}[]`)) paths.add(p);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      paths.add(`${prefix}.${key}`);
      for (const p of keyPaths(inner, `${prefix}.${key}`)) paths.add(p);
    }
  }
  return paths;
}

describe('Withings simulator answers have the recorded shapes', () => {
  it('getmeas (Body Cardio split layout) has the key set of the recorded answer', async () => {
    sim = await startWithingsSim();
    const userId = sim.addUser();
    const tokens = sim.issueTokens(userId);
    sim.addWeighIn(userId, {
      takenAt: new Date('2026-11-20T06:31:07Z'),
      weightKg: 91.65,
      fatPercent: 21.189,
      fatMassKg: 19.42,
      fatFreeMassKg: 72.23,
      muscleMassKg: 68.76,
      hydrationKg: 52.94,
      boneMassKg: 3.47,
      heartRate: 64,
      pulseWaveVelocity: 8.1,
      vascularAge: 43.7,
      layout: 'body-cardio',
    });
    const answer = await post('/measure', { action: 'getmeas', category: '1' }, tokens.accessToken);
    expect(keyPaths(answer)).toEqual(keyPaths(fixture('getmeas_body_cardio_split_groups.json')));
    const recorded = fixture('getmeas_body_cardio_split_groups.json').body.measuregrps;
    const groups = answer.body.measuregrps as typeof recorded;
    expect(groups.map((g: { attrib: number }) => g.attrib)).toEqual(
      recorded.map((g: { attrib: number }) => g.attrib),
    );
    const typesOf = (g: { measures: Array<{ type: number }> }) => g.measures.map((m) => m.type).sort();
    expect(groups.map(typesOf)).toEqual(recorded.map(typesOf));
  });

  it('getmeas (Body Scan layout) repeats types 5 and 8 and carries positions like the recorded answer', async () => {
    sim = await startWithingsSim();
    const userId = sim.addUser();
    const tokens = sim.issueTokens(userId);
    sim.addWeighIn(userId, {
      takenAt: new Date('2026-11-20T06:31:07Z'),
      weightKg: 78.41,
      fatPercent: 21.859,
      fatMassKg: 17.14,
      fatFreeMassKg: 61.27,
      muscleMassKg: 58.15,
      hydrationKg: 44.86,
      boneMassKg: 3.12,
      visceralFatIndex: 6.4,
      basalMetKcal: 1712,
      heartRate: 71,
      layout: 'body-scan',
    });
    const answer = await post('/measure', { action: 'getmeas' }, tokens.accessToken);
    expect(keyPaths(answer)).toEqual(keyPaths(fixture('getmeas_body_scan_full_composition.json')));
    const main = (answer.body.measuregrps as Array<{ measures: Array<{ type: number }> }>)[1];
    expect(main?.measures.filter((m) => m.type === 5)).toHaveLength(2);
    expect(main?.measures.filter((m) => m.type === 8)).toHaveLength(2);
  });

  it('paging answers have more/offset like the recorded first page', async () => {
    sim = await startWithingsSim({ pageSize: 1 });
    const userId = sim.addUser();
    const tokens = sim.issueTokens(userId);
    for (const day of [1, 2])
      sim.addWeighIn(userId, { takenAt: new Date(Date.UTC(2026, 10, day)), weightKg: 82 });
    const page = await post('/measure', { action: 'getmeas' }, tokens.accessToken);
    expect(page.body).toMatchObject({ more: 1, offset: 1 });
    expect(new Set(Object.keys(page.body))).toEqual(
      new Set(Object.keys(fixture('getmeas_page1_more.json').body)),
    );
  });

  it('token answers have the recorded key set, for both grant types', async () => {
    sim = await startWithingsSim();
    const userId = sim.addUser();
    const code = sim.issueCode(userId, { redirectUri: 'https://a.example/cb' });
    const first = await post('/v2/oauth2', {
      action: 'requesttoken',
      grant_type: 'authorization_code',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      code,
      redirect_uri: 'https://a.example/cb',
    });
    expect(keyPaths(first)).toEqual(keyPaths(fixture('oauth_requesttoken_authorization_code_success.json')));
    expect(first.body.expires_in).toBe(10_800);
    const second = await post('/v2/oauth2', {
      action: 'requesttoken',
      grant_type: 'refresh_token',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      refresh_token: String(first.body.refresh_token),
    });
    expect(keyPaths(second)).toEqual(keyPaths(fixture('oauth_refresh_token_success.json')));
  });

  it('errors look like the recorded ones: 401, 503 dead refresh token, 601', async () => {
    sim = await startWithingsSim();
    const userId = sim.addUser();
    expect(await post('/measure', { action: 'getmeas' }, 'not-a-token')).toEqual(
      fixture('error_invalid_access_token_401.json'),
    );
    const dead = await post('/v2/oauth2', {
      action: 'requesttoken',
      grant_type: 'refresh_token',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      refresh_token: 'dead',
    });
    expect(dead).toEqual(fixture('error_invalid_refresh_token_503.json'));
    sim.faults.add({ status: 601, waitSeconds: 42 });
    expect(await post('/measure', { action: 'getmeas' }, sim.issueTokens(userId).accessToken)).toEqual(
      fixture('error_rate_limit_601.json'),
    );
  });

  it('notify list and get have the recorded key sets', async () => {
    sim = await startWithingsSim();
    callback = await startHttpServer(() => new Response(null, { status: 200 }));
    const userId = sim.addUser();
    const { accessToken } = sim.issueTokens(userId);
    const callbackurl = `${callback.url}/webhook/withings/abc`;
    expect(
      await post(
        '/notify',
        { action: 'subscribe', callbackurl, appli: '1', comment: 'weight-sync' },
        accessToken,
      ),
    ).toEqual({
      status: 0,
      body: {},
    });
    expect(keyPaths(await post('/notify', { action: 'list' }, accessToken))).toEqual(
      keyPaths(fixture('notify_list_sync_service.json')),
    );
    expect(keyPaths(await post('/notify', { action: 'get', callbackurl }, accessToken))).toEqual(
      keyPaths(fixture('notify_get_success.json')),
    );
  });
});

describe('Withings simulator behaviour', () => {
  it('a notification body has the recorded form fields', async () => {
    sim = await startWithingsSim();
    callback = await startHttpServer(() => new Response(null, { status: 204 }));
    const userId = sim.addUser();
    const { accessToken } = sim.issueTokens(userId);
    await post(
      '/notify',
      { action: 'subscribe', callbackurl: `${callback.url}/hook`, appli: '1' },
      accessToken,
    );
    sim.addWeighIn(userId, { takenAt: new Date(1773387245 * 1000), weightKg: 76.84 });
    await sim.settled();
    const recorded = new URLSearchParams(
      readFileSync(new URL('webhook_post_appli1_weighin.txt', WITHINGS_FIXTURES), 'utf8'),
    );
    const sent = new URLSearchParams(callback.requests.find((r) => r.method === 'POST')?.body);
    expect([...sent.keys()].sort()).toEqual([...recorded.keys()].sort());
    expect(sent.get('startdate')).toBe('1773387245');
  });

  it('a slow callback (over 2 s) counts as a failed delivery and is retried', async () => {
    sim = await startWithingsSim({ delivery: { timeoutMs: 100, retryDelaysMs: [0, 0] } });
    let calls = 0;
    callback = await startHttpServer(async (request) => {
      if (request.method === 'POST' && ++calls === 1)
        await new Promise((resolve) => setTimeout(resolve, 300));
      return new Response(null, { status: 200 });
    });
    const userId = sim.addUser();
    const { accessToken } = sim.issueTokens(userId);
    await post(
      '/notify',
      { action: 'subscribe', callbackurl: `${callback.url}/hook`, appli: '1' },
      accessToken,
    );
    sim.addWeighIn(userId, { takenAt: new Date(), weightKg: 80 });
    await sim.settled();
    expect(sim.deliveries[0]?.attempts.map((a) => a.error ?? a.status)).toEqual(['timeout', 200]);
    expect(sim.deliveries[0]?.delivered).toBe(true);
  });

  it('re-attributing an ambiguous group bumps modified and notifies', async () => {
    sim = await startWithingsSim();
    const userId = sim.addUser();
    sim.clock.set(new Date('2026-11-20T07:00:00Z'));
    const { groupIds } = sim.addWeighIn(userId, {
      takenAt: new Date('2026-11-20T06:31:07Z'),
      weightKg: 68.4,
      attrib: 1,
    });
    sim.clock.advance(3600_000);
    sim.updateGroup(groupIds[0] as string, { attrib: 0 });
    expect(sim.groups(userId)[0]).toMatchObject({
      attrib: 0,
      modified: Date.parse('2026-11-20T08:00:00Z') / 1000,
    });
  });

  it('the "same arguments in less than 10 seconds" rule can be switched on', async () => {
    sim = await startWithingsSim({ sameArgumentsWindowSec: 10 });
    const userId = sim.addUser();
    const { accessToken } = sim.issueTokens(userId);
    expect((await post('/measure', { action: 'getmeas' }, accessToken)).status).toBe(0);
    expect(await post('/measure', { action: 'getmeas' }, accessToken)).toMatchObject({
      status: 601,
      error: 'Same arguments in less than 10 seconds',
    });
  });

  it('a token without user.metrics cannot read measures', async () => {
    sim = await startWithingsSim();
    const userId = sim.addUser();
    const { accessToken } = sim.issueTokens(userId, { scope: ['user.info'] });
    expect((await post('/measure', { action: 'getmeas' }, accessToken)).status).toBe(277);
  });

  it('unlink kills the tokens and tells appli-46 subscribers', async () => {
    sim = await startWithingsSim();
    callback = await startHttpServer(() => new Response(null, { status: 200 }));
    const userId = sim.addUser();
    const tokens = sim.issueTokens(userId);
    await post(
      '/notify',
      { action: 'subscribe', callbackurl: `${callback.url}/hook`, appli: '46' },
      tokens.accessToken,
    );
    sim.unlink(userId);
    await sim.settled();
    expect(sim.isAccessTokenValid(tokens.accessToken)).toBe(false);
    expect(sim.isRefreshTokenValid(tokens.refreshToken)).toBe(false);
    const body = new URLSearchParams(callback.requests.find((r) => r.method === 'POST')?.body);
    expect(body.get('appli')).toBe('46');
    expect(body.get('action')).toBe('unlink');
    expect(sim.subscriptions(userId)).toEqual([]);
  });
});
