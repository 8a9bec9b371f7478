import { endlessBody, startRawServer, within } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { IntervalsClient } from '../src/index.js';
import { clientFor, failure, startSim } from './helpers.js';

const loopback = (handler: Parameters<typeof startRawServer>[0]) =>
  startRawServer(handler, { cleanup: onTestFinished });

describe('answers that are not what they should be', () => {
  it('an HTML page with 200 is UPSTREAM, not parsed', async () => {
    const sim = await startSim();
    sim.faults.add({
      status: 200,
      body: '<!DOCTYPE html><html><body>Log in</body></html>',
      contentType: 'text/html',
    });
    const error = await failure(clientFor(sim).getAthlete());
    expect(error).toMatchObject({ code: 'UPSTREAM', httpStatus: 200 });
    expect(error.message).toMatch(/HTML page, not JSON/);
  });

  it('an empty body is UPSTREAM', async () => {
    const sim = await startSim();
    sim.faults.add('empty-body');
    const error = await failure(clientFor(sim).putWellness('2026-11-20', { weight: 80 }));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/empty response body/);
  });

  it('JSON cut short is UPSTREAM and quotes only its start', async () => {
    const sim = await startSim();
    sim.faults.add('malformed-json');
    const error = await failure(clientFor(sim).listWellness({ oldest: '2026-11-01', newest: '2026-11-30' }));
    expect(error.message).toMatch(/not JSON \(starts with "\[\{"id":"2026-11-20","weight":"\)/);
  });

  it('a read field of the wrong type is UPSTREAM naming its path, never its value', async () => {
    const sim = await startSim();
    sim.faults.add({ rewrite: () => [{ id: '2026-11-20', weight: 'heavy-secretish-value' }] });
    const error = await failure(clientFor(sim).listWellness({ oldest: '2026-11-01', newest: '2026-11-30' }));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/unexpected response shape: 0\.weight: Invalid input: expected number/);
    expect(error.message).not.toContain('heavy-secretish-value');
    sim.faults.add({ rewrite: () => ({ records: [] }) });
    expect(
      (await failure(clientFor(sim).listWellness({ oldest: '2026-11-01', newest: '2026-11-30' }))).message,
    ).toMatch(/\(root\): Invalid input: expected array/);
    sim.faults.add({ rewrite: () => ({ name: 'no id' }) });
    expect((await failure(clientFor(sim).getAthlete())).message).toMatch(/id: /);
  });

  it('a body over maxResponseBytes is UPSTREAM, whether declared or streamed, and the stream is dropped', async () => {
    const sim = await startSim();
    for (const day of ['2026-11-19', '2026-11-20', '2026-11-21'])
      sim.seedWellness(sim.athlete.id, day, { weight: 80 });
    const small = clientFor(sim, { maxResponseBytes: 200 });
    const declared = await failure(small.listWellness({ oldest: '2026-11-01', newest: '2026-11-30' }));
    expect(declared.message).toMatch(/response body is over 200 bytes/);

    const { handler, endless } = endlessBody();
    const upstream = await loopback(handler);
    const client = new IntervalsClient({
      apiKey: 'key-abcdef-123',
      baseUrl: upstream.url,
      maxResponseBytes: 1024 * 1024,
    });
    const streamed = await failure(within(client.getAthlete(), 10_000, 'getAthlete'));
    expect(streamed).toMatchObject({ code: 'UPSTREAM', message: expect.stringMatching(/over 1 MiB/) });
    await within(endless.socketClosed, 10_000, 'socket close');
    expect(endless.written()).toBeLessThan(64 * 1024 * 1024);
    expect(upstream.requests).toHaveLength(1);
  });

  it('no answer within timeoutMs is TIMEOUT, and not retried', async () => {
    const sim = await startSim();
    sim.faults.add({ delayMs: 5_000 });
    const started = Date.now();
    const error = await failure(clientFor(sim, { timeoutMs: 100 }).getAthlete());
    expect(error).toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringMatching(/no answer within 100 ms/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sim.requests).toHaveLength(1);
  });

  it.each([301, 302, 307, 308])(
    'a %i redirect is not followed: UPSTREAM, the key never leaves',
    async (status) => {
      const target = await loopback((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id":"i1","timezone":"UTC"}');
      });
      const api = await loopback((_req, res) => {
        res.writeHead(status, { location: `${target.url}/api/v1/athlete/0` });
        res.end();
      });
      const client = new IntervalsClient({ apiKey: 'key-abcdef-123', baseUrl: api.url });
      const error = await failure(client.getAthlete());
      expect(error).toMatchObject({ code: 'UPSTREAM', httpStatus: status });
      expect(error.message).toMatch(/never follows redirects/);
      expect(error.message).not.toContain(target.url);
      expect(target.requests).toHaveLength(0);
      expect(api.requests).toHaveLength(1);
    },
  );
});
