import { afterEach, describe, expect, it } from 'vitest';
import { createClock, type IntervalsSim, startIntervalsSim } from '../src/index.js';

let sim: IntervalsSim;
afterEach(async () => {
  await sim?.close();
});

const basic = (key: string) => `Basic ${Buffer.from(`API_KEY:${key}`).toString('base64')}`;

async function call(path: string, init: { method?: string; key?: string | null; body?: string } = {}) {
  const { method = 'GET', key = sim.athlete.apiKey, body } = init;
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: basic(key) }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> };
}

describe('intervals.icu simulator: authentication', () => {
  it('answers 401 without credentials, with a wrong key or with a Basic user other than API_KEY', async () => {
    sim = await startIntervalsSim();
    const missing = await call('/api/v1/athlete/0', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await call('/api/v1/athlete/0', { key: 'not-the-key' })).status).toBe(401);
    const wrongUser = await fetch(`${sim.url}/api/v1/athlete/0`, {
      headers: { authorization: `Basic ${Buffer.from(`athlete:${sim.athlete.apiKey}`).toString('base64')}` },
    });
    expect(wrongUser.status).toBe(401);
    expect(sim.requests.map((r) => r.auth)).toEqual(['missing', 'unknown-key', 'invalid']);
  });

  it("resolves athlete 0 to the key's athlete and answers its id and time zone", async () => {
    sim = await startIntervalsSim({ athletes: [{ id: 'i777', timezone: 'America/New_York', name: 'Ada' }] });
    const { status, json } = await call('/api/v1/athlete/0');
    expect(status).toBe(200);
    expect(json).toMatchObject({ id: 'i777', name: 'Ada', timezone: 'America/New_York' });
    expect((await call('/api/v1/athlete/i777')).json).toMatchObject({ id: 'i777' });
    sim.setTimezone('i777', 'Europe/Paris');
    expect((await call('/api/v1/athlete/0')).json.timezone).toBe('Europe/Paris');
    expect(() => sim.setTimezone('i777', 'Mars/Olympus')).toThrow(/IANA/);
  });

  it("answers 403 for another athlete's id and 404 for an unknown one", async () => {
    sim = await startIntervalsSim({ athletes: [{ id: 'i1' }, { id: 'i2' }] });
    expect((await call('/api/v1/athlete/i2/wellness?oldest=2026-01-01&newest=2026-01-31')).status).toBe(403);
    expect((await call('/api/v1/athlete/i2')).status).toBe(403);
    expect((await call('/api/v1/athlete/i9')).status).toBe(404);
    const other = sim.getAthlete('i2');
    expect((await call('/api/v1/athlete/i2', { key: other.apiKey })).status).toBe(200);
    expect(sim.requests.map((r) => [r.auth, r.athleteId, r.status])).toEqual([
      ['other-athlete', 'i1', 403],
      ['other-athlete', 'i1', 403],
      ['other-athlete', 'i1', 404],
      ['ok', 'i2', 200],
    ]);
  });

  it('keeps no credential in its request log', async () => {
    sim = await startIntervalsSim();
    await call('/api/v1/athlete/0');
    const log = JSON.stringify(sim.requests.map((r) => ({ ...r, query: r.query.toString() })));
    expect(sim.requests[0]?.headers.authorization).toBe('Basic [redacted]');
    expect(sim.secrets()).toHaveLength(3);
    for (const secret of sim.secrets()) expect(log).not.toContain(secret);
  });
});

describe('intervals.icu simulator: wellness', () => {
  it('PUT merges the fields it is given, -1 clears one, and answers the whole record', async () => {
    const clock = createClock(new Date('2026-11-20T06:00:00Z'));
    sim = await startIntervalsSim({ clock });
    const { id } = sim.athlete;
    sim.seedWellness(id, '2026-11-20', { restingHR: 48, systolic: 121 });
    clock.advance(60_000);
    const put = await call('/api/v1/athlete/0/wellness/2026-11-20', {
      method: 'PUT',
      body: JSON.stringify({ weight: 81.4, bodyFat: 21.2, systolic: -1 }),
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      id: '2026-11-20',
      weight: 81.4,
      bodyFat: 21.2,
      systolic: null,
      restingHR: 48,
      hrv: null,
      updated: '2026-11-20T06:01:00.000Z',
    });
    const again = await call('/api/v1/athlete/0/wellness/2026-11-20', {
      method: 'PUT',
      body: JSON.stringify({ bodyFat: null, diastolic: 79 }),
    });
    expect(again.json).toMatchObject({ weight: 81.4, bodyFat: 21.2, diastolic: 79 });
    expect(sim.wellness(id)).toHaveLength(1);
    expect(sim.wellness(id)[0]).toMatchObject({ weight: 81.4, bodyFat: 21.2, systolic: null, diastolic: 79 });
  });

  it('GET lists the records in a range, oldest first, with the null fields real records have', async () => {
    sim = await startIntervalsSim();
    const { id } = sim.athlete;
    for (const day of ['2026-11-22', '2026-11-19', '2026-11-20', '2026-12-01']) {
      sim.seedWellness(id, day, { weight: 80 });
    }
    const { status, json } = await call('/api/v1/athlete/0/wellness?oldest=2026-11-19&newest=2026-11-22');
    expect(status).toBe(200);
    const records = json as unknown as Array<Record<string, unknown>>;
    expect(records.map((r) => r.id)).toEqual(['2026-11-19', '2026-11-20', '2026-11-22']);
    expect(records[0]).toMatchObject({ weight: 80, bodyFat: null, restingHR: null, sportInfo: [] });
    expect(typeof records[0]?.updated).toBe('string');
  });

  it('refuses bad dates and bad bodies with 400 or 422', async () => {
    sim = await startIntervalsSim();
    expect((await call('/api/v1/athlete/0/wellness?oldest=2026-11-19')).status).toBe(400);
    expect((await call('/api/v1/athlete/0/wellness?oldest=2026-13-01&newest=2026-11-22')).status).toBe(400);
    const put = (date: string, body: string) =>
      call(`/api/v1/athlete/0/wellness/${date}`, { method: 'PUT', body });
    expect((await put('2026-02-30', '{"weight":80}')).status).toBe(400);
    expect((await put('20261120', '{"weight":80}')).status).toBe(400);
    expect((await put('2026-11-20', '{"weight":')).status).toBe(400);
    expect((await put('2026-11-20', '[1]')).status).toBe(422);
    expect((await put('2026-11-20', '{"weight":"80"}')).status).toBe(422);
    expect((await put('2026-11-20', '{"weight":-3}')).status).toBe(422);
    expect(sim.wellness(sim.athlete.id)).toEqual([]);
  });

  it("knows today's day in the athlete's time zone", async () => {
    const clock = createClock(new Date('2026-11-20T23:30:00Z'));
    sim = await startIntervalsSim({ clock, athletes: [{ id: 'i1', timezone: 'UTC' }] });
    expect(sim.today('i1')).toBe('2026-11-20');
    sim.setTimezone('i1', 'Europe/Paris');
    expect(sim.today('i1')).toBe('2026-11-21');
  });
});

describe('intervals.icu simulator: faults', () => {
  it('queues statuses (429 with Retry-After, 5xx HTML), a challenge page, an empty or cut body', async () => {
    sim = await startIntervalsSim();
    sim.faults.add({ status: 429, retryAfterSeconds: 7 });
    sim.faults.add({ status: 502 });
    sim.faults.add('html-challenge');
    sim.faults.add('empty-body');
    sim.faults.add('malformed-json');
    const rate = await call('/api/v1/athlete/0');
    expect([rate.status, rate.headers.get('retry-after')]).toEqual([429, '7']);
    const bad = await call('/api/v1/athlete/0');
    expect([bad.status, bad.headers.get('content-type')]).toEqual([502, 'text/html']);
    const challenge = await call('/api/v1/athlete/0');
    expect([challenge.status, challenge.headers.get('cf-mitigated')]).toEqual([403, 'challenge']);
    expect(challenge.text).toContain('Just a moment...');
    const empty = await call('/api/v1/athlete/0');
    expect([empty.status, empty.text]).toEqual([200, '']);
    const cut = await call('/api/v1/athlete/0');
    expect([cut.status, cut.json]).toEqual([200, undefined]);
    expect((await call('/api/v1/athlete/0')).status).toBe(200);
    expect(sim.faults.size).toBe(0);
  });

  it('applies a fault only to matching paths, and delays or rewrites real answers', async () => {
    sim = await startIntervalsSim();
    sim.faults.add({ status: 500 }, 1, /\/wellness/);
    expect((await call('/api/v1/athlete/0')).status).toBe(200);
    expect((await call('/api/v1/athlete/0/wellness?oldest=2026-11-19&newest=2026-11-22')).status).toBe(500);
    sim.faults.add({ rewrite: (body) => ({ ...(body as object), timezone: null }) });
    expect((await call('/api/v1/athlete/0')).json).toMatchObject({ id: sim.athlete.id, timezone: null });
    sim.faults.add({ delayMs: 150 });
    const started = Date.now();
    expect((await call('/api/v1/athlete/0')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('a status fault can carry headers, such as a redirect', async () => {
    sim = await startIntervalsSim();
    sim.faults.add({ status: 302, headers: { location: 'http://127.0.0.1:9/elsewhere' } });
    const response = await fetch(`${sim.url}/api/v1/athlete/0`, { redirect: 'manual' });
    expect([response.status, response.headers.get('location')]).toEqual([
      302,
      'http://127.0.0.1:9/elsewhere',
    ]);
  });
});
