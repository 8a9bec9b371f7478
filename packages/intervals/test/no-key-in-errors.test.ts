import { startRawServer } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { IntervalsClient } from '../src/index.js';
import { failure, startSim } from './helpers.js';

const KEY = '5l3kq0x7bq9vz2m1r8c4t6yw';
const BASIC = Buffer.from(`API_KEY:${KEY}`).toString('base64');
const forms = [KEY, BASIC, `API_KEY:${KEY}`, encodeURIComponent(BASIC)];

function expectClean(error: Error) {
  const text = `${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}`;
  for (const form of forms) expect(text).not.toContain(form);
}

/** An upstream that echoes the request's key and Authorization header in every answer. */
async function echoing(status: number, contentType = 'application/json') {
  const server = await startRawServer(
    (req, res) => {
      const auth = req.headers.authorization ?? '';
      const body = contentType.includes('json')
        ? JSON.stringify({
            status,
            error: `bad key ${KEY}`,
            message: `header was ${auth} (${BASIC}) key=${KEY}`,
          })
        : `<html><body>Authorization: ${auth} key ${KEY}</body></html>`;
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    },
    { cleanup: onTestFinished },
  );
  return new IntervalsClient({ apiKey: KEY, baseUrl: server.url, retries: 0 });
}

describe('the API key never appears in an error', () => {
  it.each([400, 401, 403, 404, 409, 422, 429, 500, 503])(
    'HTTP %i echoing the key in JSON',
    async (status) => {
      const error = await failure((await echoing(status)).getAthlete());
      expect(error.message).toContain('[redacted]');
      expectClean(error);
    },
  );

  it('a 500 HTML page and a 200 non-JSON body echoing the key', async () => {
    expectClean(await failure((await echoing(500, 'text/html')).getAthlete()));
    expectClean(await failure((await echoing(200, 'text/plain')).putWellness('2026-11-20', { weight: 80 })));
  });

  it('a network failure whose message names the key', async () => {
    const client = new IntervalsClient({
      apiKey: KEY,
      retries: 0,
      fetch: async (_input, init) => {
        const auth = new Headers(init?.headers).get('authorization');
        throw new TypeError(`fetch failed for ${auth}`, {
          cause: { message: `socket said ${KEY} / ${BASIC}` },
        });
      },
    });
    expectClean(await failure(client.getAthlete()));
  });

  it('the simulator saw the right header, and its log and every error stay clean', async () => {
    const sim = await startSim({ athletes: [{ apiKey: KEY }] });
    const client = new IntervalsClient({ apiKey: KEY, baseUrl: sim.url, retryDelayMs: 1 });
    await client.getAthlete();
    expect(sim.requests[0]?.auth).toBe('ok');
    sim.faults.add({ status: 500, body: `oops ${KEY} ${BASIC}` }, 3);
    expectClean(await failure(client.getAthlete()));
    for (const secret of sim.secrets()) expect(JSON.stringify(sim.requests)).not.toContain(secret);
  });

  it('a refused constructor argument does not quote the key', () => {
    expect(() => new IntervalsClient({ apiKey: `${KEY} ` })).toThrow(RangeError);
    try {
      new IntervalsClient({ apiKey: `${KEY} ` });
    } catch (error) {
      expectClean(error as Error);
    }
  });
});
