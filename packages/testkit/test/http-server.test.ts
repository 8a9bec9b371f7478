import { afterEach, describe, expect, it } from 'vitest';
import { createClock, FaultQueue, json, type SimHttpServer, startHttpServer } from '../src/index.js';

let server: SimHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startHttpServer', () => {
  it('listens on 127.0.0.1 only and hands the handler a Web Request', async () => {
    server = await startHttpServer(async (request) => {
      const form = new URLSearchParams(await request.text());
      return json({
        method: request.method,
        action: form.get('action'),
        q: new URL(request.url).searchParams.get('q'),
      });
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server.url}/measure?q=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=getmeas',
    });
    expect(await response.json()).toEqual({ method: 'POST', action: 'getmeas', q: '1' });
  });

  it('records every request with its body, headers and answered status', async () => {
    server = await startHttpServer(() => new Response(null, { status: 204 }));
    await fetch(`${server.url}/a?x=2`, { method: 'POST', body: 'hello', headers: { 'x-test': 'yes' } });
    await fetch(`${server.url}/b`, { method: 'HEAD' });
    expect(server.requests.map((r) => [r.method, r.path, r.body, r.status])).toEqual([
      ['POST', '/a', 'hello', 204],
      ['HEAD', '/b', '', 204],
    ]);
    expect(server.requests[0]?.headers['x-test']).toBe('yes');
    expect(server.requests[0]?.query.get('x')).toBe('2');
  });

  it('passes several Set-Cookie headers through', async () => {
    server = await startHttpServer(() => {
      const headers = new Headers();
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; Path=/');
      return new Response('ok', { headers });
    });
    const response = await fetch(server.url);
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('delays answers by the injected latency', async () => {
    server = await startHttpServer(() => new Response('ok'));
    server.latencyMs = 150;
    const started = performance.now();
    await (await fetch(server.url)).text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers 500 with the reason when the handler throws', async () => {
    server = await startHttpServer(() => {
      throw new Error('boom');
    });
    const response = await fetch(server.url);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('boom');
  });

  it('stops accepting connections once closed', async () => {
    const closing = await startHttpServer(() => new Response('ok'));
    await closing.close();
    await expect(fetch(closing.url)).rejects.toThrow();
  });
});

describe('createClock', () => {
  it('follows real time until frozen, then moves only when told', () => {
    const clock = createClock();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(50);
    clock.set(new Date('2026-11-20T06:00:00Z'));
    clock.advance(30_000);
    expect(clock.now().toISOString()).toBe('2026-11-20T06:00:30.000Z');
    clock.useRealTime();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(50);
  });
});

describe('FaultQueue', () => {
  it('serves each fault the requested number of times, in order, optionally per path', () => {
    const faults = new FaultQueue<string>();
    faults.add('601', 2);
    faults.add('500', 1, '/notify');
    expect(faults.take('/notify')).toBe('601');
    expect(faults.take('/measure')).toBe('601');
    expect(faults.take('/measure')).toBeUndefined();
    expect(faults.take('/notify')).toBe('500');
    expect(faults.size).toBe(0);
    faults.add('x', 5, /^\/m/);
    faults.clear();
    expect(faults.take('/measure')).toBeUndefined();
  });
});
