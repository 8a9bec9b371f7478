import { describe, expect, it } from 'vitest';
import { harness, minutesAgo, notificationRequest } from './harness.js';

const API_TOKEN = 'api-token-0123456789abcdef';
const SECRET = 'hook-secret-7f3a9c1e5b2d8f4a';
const valid = (userId: string) => `userid=${userId}&appli=1&startdate=1741588937&enddate=1741588938`;
const req = (path: string, init: RequestInit = {}) => new Request(`http://wg-sync.local${path}`, init);

async function snapshot(h: Awaited<ReturnType<typeof harness>>) {
  return {
    store: (await h.store.list('')).map((e) => `${e.key}@${e.version}`),
    withings: h.withings.requests.length,
    garmin: h.garmin.requests.length,
  };
}

describe('sync.handler routes and status codes', () => {
  it('GET /health answers without secrets or upstream calls', async () => {
    const h = await harness();
    const before = await snapshot(h);
    const response = await h.sync.handler(req('/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(await snapshot(h)).toEqual(before);
  });

  it('HEAD and GET on the webhook answer 200 empty (Withings checks the URL before subscribing)', async () => {
    const h = await harness();
    for (const method of ['HEAD', 'GET']) {
      const response = await h.sync.handler(req('/webhook/withings', { method }));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('');
    }
  });

  it('with a webhook secret only /webhook/withings/<secret> exists', async () => {
    const h = await harness({ config: { webhookSecret: SECRET } });
    expect((await h.sync.handler(req('/webhook/withings', { method: 'HEAD' }))).status).toBe(404);
    expect((await h.sync.handler(notificationRequest(valid(h.userId)))).status).toBe(404);
    expect(
      (await h.sync.handler(notificationRequest(valid(h.userId), '/webhook/withings/wrong-secret-0000000')))
        .status,
    ).toBe(404);
    const ok = await h.sync.handler(notificationRequest(valid(h.userId), `/webhook/withings/${SECRET}`), {
      defer: async () => undefined,
    });
    expect(ok.status).toBe(200);
    // and without a configured secret, a secret-looking path does not exist
    const open = await harness();
    expect(
      (await open.sync.handler(notificationRequest(valid(open.userId), `/webhook/withings/${SECRET}`)))
        .status,
    ).toBe(404);
  });

  it.each([
    [
      'wrong content type',
      notificationRequest('userid=1&appli=1&startdate=1&enddate=2', '/webhook/withings', 'application/json'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'no content type',
      new Request('http://wg-sync.local/webhook/withings', { method: 'POST', body: new Blob(['userid=1']) }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'oversized body',
      notificationRequest(`userid=1&appli=1&startdate=1&enddate=2&pad=${'x'.repeat(5000)}`),
      413,
      'BODY_TOO_LARGE',
    ],
    ['malformed body', notificationRequest('userid=abc&appli=1&startdate=1&enddate=2'), 400, 'INVALID_FIELD'],
    ['empty body', notificationRequest(''), 400, 'MISSING_FIELD'],
    [
      'window backwards',
      notificationRequest('userid=1&appli=1&startdate=9&enddate=2'),
      400,
      'INVALID_WINDOW',
    ],
    [
      'PUT on the webhook',
      new Request('http://wg-sync.local/webhook/withings', { method: 'PUT' }),
      405,
      'METHOD_NOT_ALLOWED',
    ],
    [
      'POST on /health',
      new Request('http://wg-sync.local/health', { method: 'POST' }),
      405,
      'METHOD_NOT_ALLOWED',
    ],
    ['unknown route', new Request('http://wg-sync.local/admin'), 404, 'NOT_FOUND'],
  ])('%s → %i with no side effect', async (_what, request, status, code) => {
    const h = await harness();
    const before = await snapshot(h);
    const response = await h.sync.handler(request);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect((await response.json()).error.code).toBe(code);
    expect(await snapshot(h)).toEqual(before);
  });

  it('405 names the allowed methods', async () => {
    const h = await harness();
    const response = await h.sync.handler(req('/webhook/withings', { method: 'DELETE' }));
    expect(response.headers.get('allow')).toBe('POST, GET, HEAD');
  });

  it('/sync/manual and /status are 404 without an apiToken: never open', async () => {
    const h = await harness();
    expect((await h.sync.handler(req('/sync/manual', { method: 'POST' }))).status).toBe(404);
    expect((await h.sync.handler(req('/status'))).status).toBe(404);
  });

  it('/sync/manual and /status require the bearer token', async () => {
    const h = await harness({ config: { apiToken: API_TOKEN } });
    const before = await snapshot(h);
    for (const auth of [undefined, 'Bearer nope', `Basic ${API_TOKEN}`, `Bearer ${API_TOKEN}x`]) {
      const headers = auth ? { authorization: auth } : undefined;
      const manual = await h.sync.handler(
        req('/sync/manual', { method: 'POST', ...(headers ? { headers } : {}) }),
      );
      expect(manual.status).toBe(401);
      expect(manual.headers.get('www-authenticate')).toBe('Bearer');
      expect((await h.sync.handler(req('/status', headers ? { headers } : {}))).status).toBe(401);
    }
    expect(await snapshot(h)).toEqual(before);
  });

  it('/sync/manual?days=N syncs and returns the reports; days is bounded 1–90', async () => {
    const h = await harness({ config: { apiToken: API_TOKEN } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 72.2 });
    const headers = { authorization: `Bearer ${API_TOKEN}` };
    for (const days of ['0', '91', 'abc', '-1', '1.5']) {
      const bad = await h.sync.handler(req(`/sync/manual?days=${days}`, { method: 'POST', headers }));
      expect(bad.status).toBe(400);
    }
    const response = await h.sync.handler(req('/sync/manual?days=3', { method: 'POST', headers }));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.reports).toHaveLength(1);
    expect(body.reports[0]).toMatchObject({
      userId: h.userId,
      trigger: 'recent',
      synced: [{ weightKg: 72.2 }],
    });
  });

  it('/sync/manual with queueManualSync: 202 with where the result shows, the sync handed over, not run', async () => {
    const publicUrl = 'https://sync.example.com/wg/';
    const h = await harness({
      config: { apiToken: API_TOKEN, publicUrl, allowUnauthenticatedWebhook: true },
    });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 72.2 });
    const queued: unknown[] = [];
    const ctx = { queueManualSync: async (request: unknown) => void queued.push(request) };
    const headers = { authorization: `Bearer ${API_TOKEN}` };
    const before = await snapshot(h);
    // Refused requests are answered as without it, and nothing is queued.
    expect((await h.sync.handler(req('/sync/manual?days=3', { method: 'POST' }), ctx)).status).toBe(401);
    expect((await h.sync.handler(req('/sync/manual?days=0', { method: 'POST', headers }), ctx)).status).toBe(
      400,
    );
    expect(
      (await h.sync.handler(req('/sync/manual?userId=x', { method: 'POST', headers }), ctx)).status,
    ).toBe(400);
    expect(queued).toEqual([]);
    const response = await h.sync.handler(
      req(`/sync/manual?days=3&userId=${h.userId}`, { method: 'POST', headers }),
      ctx,
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      status: 'queued',
      days: 3,
      userId: h.userId,
      statusUrl: 'https://sync.example.com/wg/status',
    });
    expect(queued).toEqual([{ days: 3, userId: h.userId }]);
    expect(await snapshot(h)).toEqual(before);
    // What the queue later runs is what the route would have run.
    const reports = await h.sync.syncManual({ days: 3 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ userId: h.userId, trigger: 'recent', synced: [{ weightKg: 72.2 }] });
  });

  it('/status shows each account’s health without any token', async () => {
    const h = await harness({ config: { apiToken: API_TOKEN } });
    await h.sync.syncRecent();
    const response = await h.sync.handler(
      req('/status', { headers: { authorization: `Bearer ${API_TOKEN}` } }),
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body.accounts[0]).toMatchObject({
      userId: h.userId,
      lastSuccessAt: expect.any(String),
      pending: null,
      reauthRequired: [],
    });
    for (const secret of [...h.withings.secrets(), ...h.garmin.secrets(), API_TOKEN])
      expect(text).not.toContain(secret);
  });

  it('a trailing slash is the same route', async () => {
    const h = await harness();
    expect((await h.sync.handler(req('/health/'))).status).toBe(200);
  });
});
