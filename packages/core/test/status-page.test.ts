import { describe, expect, it } from 'vitest';
import { esc } from '../src/http/page/render.js';
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

/** A guest's weigh-in on a Body Cardio (attrib 1: Withings could not tell whose), held at the next sync. */
async function heldGuest(h: Harness, minutes = 20) {
  const takenAt = new Date(Math.floor(minutesAgo(minutes).getTime() / 1000) * 1000);
  const { groupIds } = h.withings.addWeighIn(h.userId, {
    takenAt,
    weightKg: 64.5,
    fatPercent: 24.2,
    muscleMassKg: 46.1,
    heartRate: 71,
    layout: 'body-cardio',
    attrib: 1,
    notify: false,
  });
  await h.sync.syncRecent();
  const id = `${h.userId}-${groupIds[0]}`;
  expect((await h.sync.held.list()).map((x) => x.id)).toEqual([id]);
  return { takenAt, id };
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

  it('says while Withings has the deployment backing off after a 601, and until when (page and GET /status)', async () => {
    const h = await pageWorld();
    await h.sync.syncRecent();
    const bearer = { authorization: `Bearer ${API_TOKEN}` };
    const quiet = await visitor(h).send('/', { headers: bearer });
    expect(quiet.body).not.toMatch(/status 601/);
    const until = new Date(Date.now() + 90_000).toISOString();
    await h.store.put('budget/withings', { v: 1, leases: [], backoffUntil: until });
    const page = await visitor(h).send('/', { headers: bearer });
    expect(page.body).toMatch(/calling too often \(status 601\): no sync calls it before/);
    expect(page.body).toContain(`<time datetime="${until}">`);
    const json = await visitor(h).send('/status', { headers: bearer });
    expect(JSON.parse(json.body).withingsBackoffUntil).toBe(until);
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

describe('the status page: held weigh-ins (hold and ask)', () => {
  it('lists each held weigh-in: its instant in words and ISO, weight, fields, why, expiry, and two named buttons', async () => {
    const h = await pageWorld();
    const g = await heldGuest(h);
    const v = visitor(h);
    await v.signIn();
    const { body } = await v.send('/');
    const section = body.slice(body.indexOf('<h3 id="held-h-1">'), body.indexOf('<h3 id="trend-h-1">'));
    expect(section).toMatch(/Held weigh-ins<\/h3>/);
    const iso = g.takenAt.toISOString();
    expect(section).toContain(`<time datetime="${iso}">`);
    expect(section).toContain(`<code>${iso}</code>`);
    expect(section).toMatch(/: 64\.5 kg<\/strong>/);
    expect(section).toMatch(/Withings could not tell who stepped on the scale/);
    expect(section).toMatch(/body fat 24\.2 %/);
    expect(section).toMatch(/muscle mass 46\.1 kg/);
    expect(section).toMatch(/heart rate 71 bpm/);
    expect(section).toMatch(/expires in 30 days/);
    // One form each, with the session's CSRF token and the id; buttons named with date and weight.
    const forms = [...section.matchAll(/<form method="post" action=".\/">(.*?)<\/form>/g)].map((m) => m[1]);
    expect(forms).toHaveLength(2);
    for (const form of forms) {
      expect(form).toMatch(/name="csrf" value="[\w-]{43}"/);
      expect(form).toContain(`name="heldId" value="${g.id}"`);
    }
    const buttons = forms.map((f) =>
      /<button type="submit" aria-label="([^"]+)">([^<]+)<\/button>/.exec(f ?? ''),
    );
    const day = /\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC, 64\.5 kg$/;
    // The accessible name starts with the visible words (WCAG 2.5.3), then says which weigh-in.
    expect(buttons.map((b) => b?.[2])).toEqual(['This was me', 'Not me']);
    expect(buttons[0]?.[1]).toMatch(/^This was me: the weigh-in of \w{3}, /);
    expect(buttons[1]?.[1]).toMatch(/^Not me: the weigh-in of \w{3}, /);
    for (const b of buttons) expect(b?.[1]).toMatch(day);
    // A Bearer caller sees the list, with no forms (it has no CSRF token).
    const bearer = await visitor(h).send('/', { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(bearer.body).toMatch(/Held weigh-ins/);
    expect(bearer.body).not.toContain('name="heldId"');
    // The out-of-band words too.
    const band = h.another({ weightBand: { [h.userId]: { minKg: 75, maxKg: 90 } } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 52.4, notify: false });
    await band.syncRecent();
    expect((await v.send('/')).body).toMatch(/outside your usual weight range/);
  });

  it('"This was me" (with the CSRF token) sends it to Garmin with its original instant and fields, and shows as a sync', async () => {
    const h = await pageWorld();
    const g = await heldGuest(h);
    const v = visitor(h);
    await v.signIn();
    const done = await v.post({ action: 'assign', heldId: g.id, csrf: await v.csrf() });
    expect(done.response.status).toBe(303);
    expect(done.response.headers.get('location')).toBe(`./?done=assigned&held=${g.id}`);
    expect(h.garmin.weighIns(h.email)).toEqual([
      expect.objectContaining({
        timestampGMT: g.takenAt.getTime(),
        weight: 64500,
        bodyFat: 24.2,
        muscleMass: 46100,
      }),
    ]);
    expect(await h.sync.held.list()).toEqual([]);
    const page = await v.send(done.response.headers.get('location')?.slice(1) ?? '');
    expect(page.body).toMatch(/role="status"[^>]*>.*Assigned: the weigh-in went to your destinations/);
    expect(page.body).not.toMatch(/Held weigh-ins/);
    // The assign is in the activity record: the first of "Last syncs".
    const [account] = (await h.sync.status()).accounts;
    expect(account?.recentSyncs[0]).toMatchObject({ trigger: 'assign', result: 'synced', synced: 1 });
    expect(page.body).toMatch(/<td>held weigh-in assigned<\/td><td class="r-synced">/);
    // Again: it was synced, nothing is written twice.
    const again = await v.post({ action: 'assign', heldId: g.id, csrf: await v.csrf() });
    expect(again.response.headers.get('location')).toBe(`./?done=already-synced&held=${g.id}`);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('an assign that fails says why (the failure in plain words) and the weigh-in stays held', async () => {
    const h = await pageWorld();
    const g = await heldGuest(h);
    const v = visitor(h);
    await v.signIn();
    h.garmin.faults.add('upload-failure', 10);
    const done = await v.post({ action: 'assign', heldId: g.id, csrf: await v.csrf() });
    expect(done.response.headers.get('location')).toBe(`./?done=assign-failed&held=${g.id}`);
    const [account] = (await h.sync.status()).accounts;
    const failure = account?.recentSyncs[0]?.failed[0];
    expect(account?.recentSyncs[0]).toMatchObject({ trigger: 'assign', result: 'failed' });
    expect(failure?.message).toBeTruthy();
    const page = await v.send(`/?done=assign-failed&held=${g.id}`);
    expect(page.body).toMatch(
      /role="status" class="flash bad">.*The assign failed, and the weigh-in stays held/,
    );
    const where = failure?.destination ? ` (${failure.destination})` : '';
    expect(page.body).toContain(`What went wrong${where}: ${esc(failure?.message ?? '')}`);
    expect(failure?.message).toMatch(/Garmin refused the upload/);
    expect((await h.sync.held.list()).map((x) => x.id)).toEqual([g.id]);
    h.garmin.faults.clear();
  });

  it('"Not me" dismisses it for good; answering it again says it is no longer held', async () => {
    const h = await pageWorld();
    const g = await heldGuest(h);
    const v = visitor(h);
    await v.signIn();
    const done = await v.post({ action: 'dismiss', heldId: g.id, csrf: await v.csrf() });
    expect(done.response.headers.get('location')).toBe(`./?done=dismissed&held=${g.id}`);
    expect(await h.sync.held.list()).toEqual([]);
    expect((await v.send('/?done=dismissed')).body).toMatch(
      /Dismissed: that weigh-in will not be held again/,
    );
    const late = await v.post({ action: 'assign', heldId: g.id, csrf: await v.csrf() });
    expect(late.response.headers.get('location')).toBe(`./?done=not-found&held=${g.id}&why=dismissed`);
    const page = await v.send(`/?done=not-found&held=${g.id}&why=dismissed`);
    expect(page.body).toMatch(
      new RegExp(
        `role="status" class="flash bad">.*Held weigh-in ${g.id} is no longer held \\(dismissed\\)\\.`,
      ),
    );
    expect(h.garmin.weighIns(h.email)).toEqual([]);
  });

  it('a forged, malformed or unknown id is not-found and changes nothing; nothing of it is echoed raw', async () => {
    const h = await pageWorld();
    const g = await heldGuest(h);
    const other = h.withings.addUser(); // a Withings user this deployment has not linked
    const v = visitor(h);
    await v.signIn();
    const csrf = await v.csrf();
    const hostile = [
      '<script>alert(1)</script>',
      `${h.userId}-1"><img src=x onerror=alert(1)>`,
      `${h.userId}-${'9'.repeat(300)}`,
      `../${g.id}`,
      '',
    ];
    for (const heldId of hostile) {
      for (const action of ['assign', 'dismiss']) {
        const answer = await v.post({ action, heldId, csrf });
        expect(answer.response.status).toBe(303);
        expect(answer.response.headers.get('location')).toBe('./?done=not-found');
      }
    }
    const missing = await v.post({ action: 'assign', csrf });
    expect(missing.response.headers.get('location')).toBe('./?done=not-found');
    const unknown = await v.post({ action: 'assign', heldId: `${h.userId}-424242`, csrf });
    expect(unknown.response.headers.get('location')).toBe(`./?done=not-found&held=${h.userId}-424242`);
    expect((await v.send(`/?done=not-found&held=${h.userId}-424242`)).body).toMatch(
      new RegExp(`role="status" class="flash bad">.*No held weigh-in ${h.userId}-424242\\.`),
    );
    const elsewhere = await v.post({ action: 'dismiss', heldId: `${other}-1`, csrf });
    expect(elsewhere.response.headers.get('location')).toBe(`./?done=not-found&held=${other}-1`);
    // The page's URL is hostile input too: a malformed id or reason is left out, never echoed.
    const reflected = await v.send(
      `/?done=not-found&held=${encodeURIComponent('<img src=x onerror=alert(1)>')}&why=${encodeURIComponent('<b>')}`,
    );
    expect(reflected.body).not.toMatch(/<img src=x|<b>|&lt;img/);
    const why = await v.send(`/?done=not-found&held=${g.id}&why=${encodeURIComponent('<b>x</b>')}`);
    expect(why.body).toContain(`No held weigh-in ${g.id}.`);
    expect(why.body).not.toMatch(/&lt;b&gt;|<b>x/);
    // Nothing changed.
    expect((await h.sync.held.list()).map((x) => x.id)).toEqual([g.id]);
    expect(h.garmin.weighIns(h.email)).toEqual([]);
  });

  it('without the CSRF token, or with a wrong one, "This was me" and "Not me" are refused and change nothing', async () => {
    const h = await pageWorld();
    const g = await heldGuest(h);
    const v = visitor(h);
    for (const action of ['assign', 'dismiss']) {
      await v.signIn();
      const missing = await v.post({ action, heldId: g.id });
      expect(missing.response.status).toBe(403);
      expect(missing.body).toMatch(/The form expired: sign in again/);
      await v.signIn();
      const wrong = await v.post({ action, heldId: g.id, csrf: 'x'.repeat(43) });
      expect(wrong.response.status).toBe(403);
      await v.signIn();
      const crossSite = await v.post(
        { action, heldId: g.id, csrf: await v.csrf() },
        { 'sec-fetch-site': 'cross-site' },
      );
      expect(crossSite.response.status).toBe(403);
    }
    // A session's token is no good with another session's cookie.
    await v.signIn();
    const stolen = await v.csrf();
    const w = visitor(h, '203.0.113.8');
    await w.signIn();
    expect((await w.post({ action: 'assign', heldId: g.id, csrf: stolen })).response.status).toBe(403);
    expect((await h.sync.held.list()).map((x) => x.id)).toEqual([g.id]);
    expect(h.garmin.weighIns(h.email)).toEqual([]);
  });

  it('has no secret in the HTML with the held list shown and answered', async () => {
    const h = await pageWorld();
    const g = await heldGuest(h);
    const v = visitor(h);
    await v.signIn();
    await v.send('/');
    await v.post({ action: 'assign', heldId: g.id, csrf: await v.csrf() });
    await v.send(`/?done=assigned&held=${g.id}`);
    const everything = v.seen.join('\n');
    const secrets = [...h.withings.secrets(), ...h.garmin.secrets(), API_TOKEN, h.email];
    expect(secrets.filter((s) => everything.includes(s))).toEqual([]);
  });
});
