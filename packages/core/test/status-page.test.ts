import { describe, expect, it } from 'vitest';
import { StoreCorruptError } from '../src/index.js';
import { ACTIVITY_SYNCS } from '../src/observability/activity.js';
import { type Harness, harness, minutesAgo } from './harness.js';

const API_TOKEN = 'api-token-page-0123456789abcdef';
const BASE = 'http://wg-sync.local';

type Answer = { response: Response; body: string };

/** A browser of one: keeps the session cookie, and every answer for the secret scan. */
function visitor(h: Harness, address = '203.0.113.7') {
  let cookie: string | undefined;
  const seen: string[] = [];
  const send = async (path: string, init: RequestInit = {}): Promise<Answer> => {
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const response = await h.sync.handler(new Request(`${BASE}${path}`, { ...init, headers }), {
      clientAddress: address,
    });
    const body = await response.text();
    seen.push(body, JSON.stringify([...response.headers]));
    const set = response.headers.getSetCookie()[0];
    if (set) cookie = /Max-Age=0/.test(set) ? undefined : set.split(';')[0];
    return { response, body };
  };
  const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    send('/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const csrf = async () => /name="csrf" value="([^"]+)"/.exec((await send('/')).body)?.[1] ?? '';
  return {
    send,
    post,
    csrf,
    seen,
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
    signIn: () => post({ action: 'sign-in', token: API_TOKEN }),
  };
}

async function pageWorld(config: Parameters<typeof harness>[0] = {}) {
  const h = await harness({ ...config, config: { apiToken: API_TOKEN, ...config.config } });
  return h;
}

describe('the status page: who sees what', () => {
  it('without an API token is disabled: 404, says so, shows no data', async () => {
    const h = await harness();
    await h.sync.syncRecent();
    const { response, body } = await visitor(h).send('/');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(body).toMatch(/status page is disabled/);
    expect(body).not.toContain(h.userId);
    const post = await visitor(h).post({ action: 'sign-in', token: 'anything' });
    expect(post.response.status).toBe(404);
  });

  it('without a session: the sign-in form and no data; with the token: a signed, HttpOnly, Secure, SameSite=Strict cookie', async () => {
    const h = await pageWorld();
    await h.sync.syncRecent();
    const v = visitor(h);
    const anonymous = await v.send('/');
    expect(anonymous.response.status).toBe(200);
    expect(anonymous.body).toMatch(/<label for="token">API token<\/label>/);
    expect(anonymous.body).not.toContain(h.userId);
    expect(anonymous.response.headers.get('content-security-policy')).toMatch(
      /default-src 'none'; script-src 'self'/,
    );

    const signedIn = await v.signIn();
    expect(signedIn.response.status).toBe(303);
    const set = signedIn.response.headers.getSetCookie()[0] ?? '';
    expect(set).toMatch(
      /^wg_sync_session=v1\.\d+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=43200; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(set).not.toContain(API_TOKEN);

    const page = await v.send('/');
    expect(page.response.status).toBe(200);
    expect(page.body).toContain(`Withings user ${h.userId}`);
    expect(page.body).toMatch(/Health: <strong>OK<\/strong>/);
    expect(page.body).toMatch(/name="csrf"/);
    expect(page.body).not.toMatch(/<script>(?!<)/); // no inline script: only src= and JSON data blocks
  });

  it('a wrong token is 401 and counts against the auth throttle (429 after 10)', async () => {
    const h = await pageWorld();
    const v = visitor(h, '198.51.100.9');
    for (let i = 0; i < 10; i += 1) {
      const wrong = await v.post({ action: 'sign-in', token: `guess-${i}` });
      expect(wrong.response.status).toBe(401);
      expect(wrong.body).toMatch(/not the API token/);
    }
    const refused = await v.signIn();
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(v.cookie).toBeUndefined();
    // Another address is not locked out.
    expect((await visitor(h, '198.51.100.10').signIn()).response.status).toBe(303);
  });

  it('a forged, altered or expired cookie is no session', async () => {
    let now = Date.now();
    const h = await pageWorld({ config: { now: () => new Date(now) } });
    const v = visitor(h);
    await v.signIn();
    const good = v.cookie as string;
    v.cookie = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await v.send('/')).body).toMatch(/API token<\/label>/);
    const [, expires] = /^wg_sync_session=v1\.(\d+)\./.exec(good) ?? [];
    v.cookie = good.replace(`v1.${expires}.`, `v1.${Number(expires) + 3600}.`);
    expect((await v.send('/')).body).toMatch(/API token<\/label>/);
    v.cookie = good;
    expect((await v.send('/')).body).toContain(h.userId);
    now += 12 * 3600_000 + 1000;
    expect((await v.send('/')).body).toMatch(/API token<\/label>/);
  });

  it('the Bearer header works too (no forms: it carries no CSRF token), and GET /status for a browser is the page', async () => {
    const h = await pageWorld();
    await h.sync.syncRecent();
    const v = visitor(h);
    const bearer = { authorization: `Bearer ${API_TOKEN}` };
    const page = await v.send('/', { headers: bearer });
    expect(page.body).toContain(`Withings user ${h.userId}`);
    expect(page.body).not.toMatch(/name="csrf"/);
    const html = await v.send('/status', {
      headers: { ...bearer, accept: 'text/html,application/xhtml+xml' },
    });
    expect(html.response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.body).toContain(`Withings user ${h.userId}`);
    const json = await v.send('/status', { headers: bearer });
    expect(json.response.headers.get('content-type')).toMatch(/^application\/json/);
    // A browser without a session gets the sign-in form, not a 401 JSON.
    const anonymous = await visitor(h).send('/status', { headers: { accept: 'text/html' } });
    expect(anonymous.body).toMatch(/API token<\/label>/);
  });
});

describe('the status page: actions', () => {
  it('"sync now" needs the session CSRF token, runs the manual sync and redirects to the page', async () => {
    const h = await pageWorld();
    const v = visitor(h);
    await v.signIn();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2, fatPercent: 21.5 });
    const forged = await v.post({ action: 'sync', userId: h.userId, csrf: 'x'.repeat(43) });
    expect(forged.response.status).toBe(403);
    expect(h.garmin.uploads()).toHaveLength(0);

    await v.signIn();
    const done = await v.post({ action: 'sync', userId: h.userId, csrf: await v.csrf() });
    expect(done.response.status).toBe(303);
    expect(done.response.headers.get('location')).toBe('./?done=synced');
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    const page = await v.send('/?done=synced');
    expect(page.body).toMatch(/role="status"[^>]*>.*Sync finished/);
    expect(page.body).toMatch(
      /<td class="r-synced"><span class="mark" aria-hidden="true">✓<\/span> Synced<\/td><td>1 synced/,
    );
    const [account] = (await h.sync.status({ trendDays: 90 })).accounts;
    expect(account?.trend).toEqual([expect.objectContaining({ weightKg: 80.2, writtenTo: ['garmin'] })]);
    expect(account?.destinations).toEqual([{ id: 'garmin', weighIns: 1, lastWriteAt: expect.any(String) }]);
  });

  it('a cross-site post is refused before anything runs; an unknown action is 400', async () => {
    const h = await pageWorld();
    const v = visitor(h);
    await v.signIn();
    const csrf = await v.csrf();
    const cross = await v.post({ action: 'reconcile', csrf }, { 'sec-fetch-site': 'cross-site' });
    expect(cross.response.status).toBe(403);
    expect((await v.post({ action: 'nope', csrf })).response.status).toBe(400);
    const reconcile = await v.post({ action: 'reconcile', csrf });
    expect(reconcile.response.headers.get('location')).toBe('./?done=reconciled');
  });

  it('re-subscribe needs a public URL: without one it says so and does nothing', async () => {
    const h = await pageWorld();
    const v = visitor(h);
    await v.signIn();
    const page = await v.send('/');
    expect(page.body).toMatch(/Set a public URL/);
    const done = await v.post({ action: 'resubscribe', userId: h.userId, csrf: await v.csrf() });
    expect(done.response.headers.get('location')).toBe('./?done=subscribe-failed');
  });

  it('sign-out clears the cookie', async () => {
    const h = await pageWorld();
    const v = visitor(h);
    await v.signIn();
    const out = await v.post({ action: 'sign-out', csrf: await v.csrf() });
    expect(out.response.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect((await v.send('/')).body).toMatch(/API token<\/label>/);
  });
});

describe('the status page: what it holds', () => {
  it('has no secret in the HTML, the headers or the cookie (the fault matrix scan)', async () => {
    const h = await pageWorld();
    const v = visitor(h);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(60), weightKg: 79.9 });
    await v.send('/');
    await v.post({ action: 'sign-in', token: 'wrong-token' });
    await v.signIn();
    await v.post({ action: 'sync', userId: h.userId, csrf: await v.csrf() });
    await v.send('/?days=365');
    await v.send('/', { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const everything = v.seen.join('\n');
    const secrets = [...h.withings.secrets(), ...h.garmin.secrets(), API_TOKEN, 'wrong-token', h.email];
    expect(secrets.length).toBeGreaterThan(3);
    expect(secrets.filter((s) => everything.includes(s))).toEqual([]);
  });

  it('the last 20 syncs, newest first; an old store without the record works and counts its ledger once', async () => {
    const h = await pageWorld();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(120), weightKg: 81 });
    await h.sync.syncRecent();
    // As a store written before this version: the ledger, no activity record.
    await h.store.delete(`activity/${h.userId}`);
    const before = (await h.sync.status()).accounts[0];
    expect(before).toMatchObject({ recentSyncs: [], destinations: [{ id: 'garmin', weighIns: null }] });
    const page = await visitor(h).send('/', { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(page.body).toMatch(/No sync recorded yet/);
    expect(page.body).toMatch(/counted at the next sync/);

    for (let i = 0; i < ACTIVITY_SYNCS + 3; i += 1) await h.sync.syncRecent();
    const after = (await h.sync.status({ trendDays: 90 })).accounts[0];
    expect(after?.recentSyncs).toHaveLength(ACTIVITY_SYNCS);
    expect(after?.recentSyncs[0]?.result).toBe('nothing-new');
    expect(after?.destinations).toEqual([{ id: 'garmin', weighIns: 1, lastWriteAt: expect.any(String) }]);
    expect(after?.trend?.map((p) => p.weightKg)).toEqual([81]);
  });

  it('an activity record of the wrong shape is a StoreCorruptError, not half a status', async () => {
    const h = await pageWorld();
    await h.store.put(`activity/${h.userId}`, { syncs: 'many' });
    await expect(h.sync.status()).rejects.toBeInstanceOf(StoreCorruptError);
  });

  it('is small: the page and every file it loads are at most 100 KB together', async () => {
    const h = await pageWorld();
    for (let day = 0; day < 365; day += 1)
      h.withings.addWeighIn(h.userId, {
        takenAt: minutesAgo(day * 1440 + 60),
        weightKg: 80 + (day % 7) / 10,
        fatPercent: 20,
      });
    await h.sync.backfill({ from: minutesAgo(366 * 1440) });
    const v = visitor(h);
    await v.signIn();
    const page = await v.send('/?days=365');
    expect((await h.sync.status({ trendDays: 365 })).accounts[0]?.trend).toHaveLength(365);
    const files = [...page.body.matchAll(/(?:href|src)="\.(\/page\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(files).toHaveLength(4);
    let total = new TextEncoder().encode(page.body).byteLength;
    for (const file of files) {
      const { response, body } = await v.send(file);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toMatch(/immutable/);
      total += new TextEncoder().encode(body).byteLength;
    }
    expect(total).toBeLessThanOrEqual(100 * 1024);
  });
});
