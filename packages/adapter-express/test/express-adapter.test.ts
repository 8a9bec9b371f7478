import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { type ExpressAdapter, expressAdapter } from '../src/index.js';
import {
  linkedWorld,
  listen,
  minutesAgo,
  notification,
  post,
  timeout,
  until,
  type World,
} from './harness.js';

const API_TOKEN = 'adapter-test-api-token-0123456789';

/** An Express 5 app listening on 127.0.0.1 with an app route of its own next to the adapter. */
async function serveApp(mount: (app: Express) => void): Promise<string> {
  const app = express();
  mount(app);
  app.get('/other', (_req, res) => {
    res.json({ from: 'app' });
  });
  return listen(app.listen(0, '127.0.0.1') as Server);
}

describe('expressAdapter on a real Express 5 app', { timeout: 20_000 }, () => {
  it('serves every route under a mount path, passing 401/404/405/413/415/400 through from the engine', async () => {
    const world = await linkedWorld({ apiToken: API_TOKEN });
    const url = await serveApp((app) => app.use('/wg', expressAdapter(world.sync)));
    const wg = `${url}/wg`;
    const bearer = { authorization: `Bearer ${API_TOKEN}` };

    const health = await fetch(`${wg}/health`, timeout());
    expect([health.status, await health.json()]).toEqual([200, { ok: true }]);
    const head = await fetch(`${wg}/webhook/withings`, { method: 'HEAD', ...timeout() });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const get = await fetch(`${wg}/webhook/withings`, timeout());
    expect(get.status).toBe(200);

    const unknown = await post(`${wg}/webhook/withings`, notification('424242'));
    expect([unknown.status, await unknown.json()]).toEqual([200, { status: 'accepted' }]);
    const malformed = await post(`${wg}/webhook/withings`, 'userid=abc&appli=1');
    expect(malformed.status).toBe(400);
    const wrongType = await post(`${wg}/webhook/withings`, notification(world.userId), {
      'content-type': 'text/plain',
    });
    expect([wrongType.status, (await wrongType.json()).error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const huge = await post(
      `${wg}/webhook/withings`,
      `${notification(world.userId)}&pad=${'x'.repeat(5000)}`,
    );
    expect([huge.status, (await huge.json()).error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    const put = await fetch(`${wg}/webhook/withings`, { method: 'PUT', ...timeout() });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'POST, GET, HEAD']);
    const nowhere = await fetch(`${wg}/nowhere`, timeout());
    expect([nowhere.status, await nowhere.json()]).toEqual([
      404,
      { error: { code: 'NOT_FOUND', message: 'no such route' } },
    ]);

    const anonymous = await fetch(`${wg}/status`, timeout());
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const status = await fetch(`${wg}/status`, { headers: bearer, ...timeout() });
    expect((await status.json()).accounts).toMatchObject([{ userId: world.userId }]);
    const manualDenied = await fetch(`${wg}/sync/manual?days=1`, { method: 'POST', ...timeout() });
    expect(manualDenied.status).toBe(401);
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(5), weightKg: 77.7, notify: false });
    const manual = await fetch(`${wg}/sync/manual?days=1`, { method: 'POST', headers: bearer, ...timeout() });
    expect(manual.status).toBe(200);
    expect((await manual.json()).reports).toMatchObject([{ userId: world.userId, synced: [{}] }]);

    const other = await fetch(`${url}/other`, timeout());
    expect(await other.json()).toEqual({ from: 'app' });
  });

  it('with a basePath at the root, serves only below it and hands everything else to next()', async () => {
    const world = await linkedWorld();
    const url = await serveApp((app) => app.use(expressAdapter(world.sync, { basePath: '/api/wg/' })));
    const health = await fetch(`${url}/api/wg/health`, timeout());
    expect([health.status, await health.json()]).toEqual([200, { ok: true }]);
    const head = await fetch(`${url}/api/wg/webhook/withings?check=1`, { method: 'HEAD', ...timeout() });
    expect(head.status).toBe(200);
    const webhook = await post(`${url}/api/wg/webhook/withings`, notification('99'));
    expect(await webhook.json()).toEqual({ status: 'accepted' });
    const root = await fetch(`${url}/api/wg?x=1`, timeout());
    // The engine's 404: its status page, off without an API token.
    expect([root.status, /status page is disabled/.test(await root.text())]).toEqual([404, true]);

    const other = await fetch(`${url}/other`, timeout());
    expect(await other.json()).toEqual({ from: 'app' });
    for (const outside of ['/api/wgx/health', '/health', '/webhook/withings']) {
      const answer = await fetch(`${url}${outside}`, timeout());
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/); // Express's own 404: next() was called
    }
  });

  it('combines a mount path and a basePath', async () => {
    const world = await linkedWorld();
    const url = await serveApp((app) => app.use('/outer', expressAdapter(world.sync, { basePath: '/wg' })));
    const head = await fetch(`${url}/outer/wg/webhook/withings`, { method: 'HEAD', ...timeout() });
    expect(head.status).toBe(200);
    const webhook = await post(`${url}/outer/wg/webhook/withings`, notification('99'));
    expect(await webhook.json()).toMatchObject({ status: 'accepted' });
    const outside = await fetch(`${url}/outer/health`, timeout());
    expect(outside.headers.get('content-type')).toMatch(/^text\/html/);
  });

  const parsers: Array<[string, ((app: Express) => void) | undefined]> = [
    ['no body parser', undefined],
    ['express.urlencoded()', (app) => app.use(express.urlencoded())],
    ['express.urlencoded({ extended: true })', (app) => app.use(express.urlencoded({ extended: true }))],
    ['express.json()', (app) => app.use(express.json())],
    ["express.text({ type: '*/*' })", (app) => app.use(express.text({ type: '*/*' }))],
    ["express.raw({ type: '*/*' })", (app) => app.use(express.raw({ type: '*/*' }))],
  ];
  for (const [name, parser] of parsers) {
    it(`reads the webhook body with ${name} mounted before it`, async () => {
      const world = await linkedWorld();
      const adapter = expressAdapter(world.sync);
      const url = await serveApp((app) => {
        parser?.(app);
        app.use('/wg', adapter);
      });
      const malformed = await post(
        `${url}/wg/webhook/withings`,
        `userid=${world.userId}&appli=1&startdate=x`,
      );
      expect(malformed.status).toBe(400);
      world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(2), weightKg: 80.5, notify: false });
      const webhook = await post(`${url}/wg/webhook/withings`, notification(world.userId));
      expect([webhook.status, await webhook.json()]).toEqual([200, { status: 'accepted' }]);
      await adapter.drain();
      expect(world.garmin.weighIns(world.email)).toMatchObject([{ weight: 80500 }]);
    });
  }

  it('passes a JSON body that express.json() parsed on as JSON (the webhook then answers 415)', async () => {
    const world = await linkedWorld();
    const seen: string[] = [];
    const url = await serveApp((app) => {
      app.use(express.json());
      app.use(
        '/wg',
        expressAdapter({
          handler: async (request) => {
            seen.push(await request.clone().text());
            return world.sync.handler(request);
          },
        }),
      );
    });
    const answer = await post(`${url}/wg/webhook/withings`, '{"userid": 1}', {
      'content-type': 'application/json',
    });
    expect(answer.status).toBe(415);
    expect(seen).toEqual(['{"userid":1}']);
  });

  it('answers a webhook before the slow upstream sync, which completes later (drain)', async () => {
    const world = await linkedWorld();
    const adapter = expressAdapter(world.sync);
    const url = await serveApp((app) => app.use('/wg', adapter));
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(2), weightKg: 83.1, notify: false });
    world.garmin.latencyMs = 2000;
    const garminBefore = world.garmin.requests.length;

    const sent = Date.now();
    const webhook = await post(`${url}/wg/webhook/withings`, notification(world.userId));
    const answeredAt = Date.now();
    expect([webhook.status, await webhook.json()]).toEqual([200, { status: 'accepted' }]);
    expect(answeredAt - sent).toBeLessThan(1000);
    expect(world.garmin.uploads()).toHaveLength(0);
    // Once the sync's first Garmin call is waiting out its 2 s, later calls may be quick.
    await until(() => world.garmin.requests.length > garminBefore);
    world.garmin.latencyMs = 0;
    expect(world.garmin.uploads()).toHaveLength(0);

    await adapter.drain();
    expect(Date.now() - sent).toBeGreaterThanOrEqual(2000);
    expect(world.garmin.uploads()).toHaveLength(1);
    const upload = world.garmin.requests.find((r) => r.path.startsWith('/upload-service/'));
    expect(upload?.receivedAt.getTime()).toBeGreaterThan(answeredAt);
    expect(world.garmin.weighIns(world.email)).toMatchObject([{ weight: 83100 }]);
  });

  it('takes a delivery from the Withings simulator end to end (HEAD check on subscribe, then the POST)', async () => {
    const world = await linkedWorld();
    const adapter = expressAdapter(world.sync);
    const url = await serveApp((app) => app.use('/wg', adapter));
    const client = await world.sync.withingsClient(world.userId);
    await client?.notify.subscribe({ callbackUrl: `${url}/wg/webhook/withings`, appli: 1 });
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(1), weightKg: 79.2, fatPercent: 18.5 });
    await world.withings.settled();
    expect(world.withings.deliveries[0]).toMatchObject({ delivered: true });
    await until(() => world.garmin.uploads().length === 1);
    await adapter.drain();
    expect(world.garmin.weighIns(world.email)).toMatchObject([{ weight: 79200, bodyFat: 18.5 }]);
  });

  describe('background work', () => {
    /** A handler that, like the engine, answers at once and leaves `work` to waitUntil. */
    const deferring = (work: () => Promise<unknown>) => ({
      handler: async (_request: Request, ctx?: { waitUntil?(promise: Promise<unknown>): void }) => {
        ctx?.waitUntil?.(work());
        return Response.json({ status: 'accepted' });
      },
    });

    it('reports a background failure through onError, after the response went out', async () => {
      const onError = vi.fn();
      const adapter = expressAdapter(
        deferring(async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          throw new Error('Garmin upload failed');
        }),
        { onError },
      );
      const url = await serveApp((app) => app.use(adapter));
      const answer = await post(`${url}/webhook/withings`, notification('1'));
      expect(await answer.json()).toEqual({ status: 'accepted' });
      expect(onError).not.toHaveBeenCalled();
      await adapter.drain();
      expect(onError).toHaveBeenCalledTimes(1);
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ message: 'Garmin upload failed' });
    });

    it('logs it by default as one redacted JSON line', async () => {
      const lines: string[] = [];
      const spy = vi
        .spyOn(console, 'error')
        .mockImplementation((line: unknown) => void lines.push(String(line)));
      try {
        const adapter = expressAdapter(
          deferring(async () => {
            throw Object.assign(
              new Error('refresh failed: Bearer sekrit-token-0123456789 access_token=abcdef123'),
              {
                code: 'REAUTH_REQUIRED',
              },
            );
          }),
        );
        const url = await serveApp((app) => app.use(adapter));
        await post(`${url}/webhook/withings`, notification('1'));
        await adapter.drain();
      } finally {
        spy.mockRestore();
      }
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? '')).toMatchObject({
        level: 'error',
        event: 'adapter.background.failed',
        error: { name: 'Error', code: 'REAUTH_REQUIRED', message: expect.stringContaining('refresh failed') },
      });
      expect(lines[0]).not.toContain('sekrit-token');
      expect(lines[0]).not.toContain('abcdef123');
    });

    it('drain() waits for every task, including one started while it waits', async () => {
      const finished: number[] = [];
      let started = 0;
      let url = '';
      const adapter: ExpressAdapter = expressAdapter(
        deferring(async () => {
          started += 1;
          const n = started;
          await new Promise((resolve) => setTimeout(resolve, 200));
          if (n === 1) await post(`${url}/webhook/withings`, notification('1')); // starts a second task
          finished.push(n);
        }),
      );
      url = await serveApp((app) => app.use(adapter));
      await adapter.drain(); // nothing running yet
      await post(`${url}/webhook/withings`, notification('1'));
      await adapter.drain();
      expect(finished.sort()).toEqual([1, 2]);
    });
  });

  it('refuses a basePath that is not a path', () => {
    const world = { handler: async () => new Response(null) } satisfies Pick<World['sync'], 'handler'>;
    expect(() => expressAdapter(world, { basePath: 'wg' })).toThrow(/basePath must be a path/);
    expect(() => expressAdapter(world, { basePath: '/wg?x=1' })).toThrow(/basePath must be a path/);
  });

  it('passes the caller’s address, so failed bearer attempts are throttled per source', async () => {
    const world = await linkedWorld({ apiToken: API_TOKEN });
    const direct = await serveApp((app) => app.use(expressAdapter(world.sync)));
    const status = (url: string, headers: Record<string, string> = {}) =>
      fetch(`${url}/status`, {
        headers: { authorization: 'Bearer wrong-token-0123456789', ...headers },
        ...timeout(),
      });
    for (let i = 0; i < 10; i += 1) expect((await status(direct)).status).toBe(401);
    expect((await status(direct)).status).toBe(429);
    const failures = world.logs.filter((l) => l.includes('"auth.failed"')).map((l) => JSON.parse(l).source);
    expect(new Set(failures)).toEqual(new Set(['127.0.0.1']));

    // Behind a trusted proxy the last X-Forwarded-For entry is the caller; earlier ones are the client's word.
    const other = await linkedWorld({ apiToken: API_TOKEN });
    const proxied = await serveApp((app) => app.use(expressAdapter(other.sync, { trustProxy: true })));
    for (let i = 0; i < 10; i += 1) await status(proxied, { 'x-forwarded-for': `10.9.9.${i}, 198.51.100.4` });
    expect((await status(proxied, { 'x-forwarded-for': '198.51.100.4' })).status).toBe(429);
    expect((await status(proxied, { 'x-forwarded-for': '198.51.100.5' })).status).toBe(401);
  });

  it('drain() also runs the webhook syncs the engine holds until their debounce window ends', async () => {
    const world = await linkedWorld();
    const adapter = expressAdapter(world.sync);
    const url = await serveApp((app) => app.use(adapter));
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(2), weightKg: 73.3, notify: false });
    expect((await post(`${url}/webhook/withings`, notification(world.userId))).status).toBe(200);
    await adapter.drain();
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(1), weightKg: 73.5, notify: false });
    // Inside the 60 s window: held for the window's closing sync, which drain() runs now.
    expect((await post(`${url}/webhook/withings`, notification(world.userId))).status).toBe(200);
    expect(world.garmin.weighIns(world.email)).toHaveLength(1);
    await adapter.drain();
    expect(world.garmin.weighIns(world.email).map((w) => w.weight)).toEqual([73300, 73500]);
  });
});
