// A second destination for the benches: a small JSON service on 127.0.0.1 that stores weigh-ins,
// with the same injected latency as the simulators, and the Destination that writes to it. It
// shows what a destination beside Garmin costs: calls, and whether it adds a sequential round trip.
import { createServer } from 'node:http';

/** The service: `GET /weigh-ins?from&to` lists, `POST /weigh-ins` stores a batch. */
export async function startWeighInService() {
  const held = [];
  const requests = [];
  const service = { latencyMs: 0, requests, held };
  const server = createServer(async (request, response) => {
    requests.push({ method: request.method, path: request.url, receivedAt: new Date() });
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    await new Promise((resolve) => setTimeout(resolve, service.latencyMs));
    const url = new URL(request.url, 'http://127.0.0.1');
    let body;
    if (request.method === 'POST' && url.pathname === '/weigh-ins') {
      for (const w of JSON.parse(Buffer.concat(chunks).toString('utf8')))
        held.push({ id: String(held.length + 1), takenAt: w.takenAt, weightKg: w.weightKg });
      body = { stored: held.length };
    } else if (request.method === 'GET' && url.pathname === '/weigh-ins') {
      const from = Date.parse(url.searchParams.get('from'));
      const to = Date.parse(url.searchParams.get('to'));
      body = held.filter((w) => Date.parse(w.takenAt) >= from && Date.parse(w.takenAt) <= to);
    } else {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  service.url = `http://127.0.0.1:${server.address().port}`;
  service.close = () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  return service;
}

/** The Destination for that service, through the engine's (counting) fetch. */
export function weighInServiceDestination(url) {
  return {
    id: 'service',
    name: 'weigh-in service',
    accepts: { bodyComposition: [], bloodPressure: false },
    async open({ fetch }) {
      const call = async (path, init) => {
        const response = await fetch(`${url}${path}`, init);
        if (!response.ok)
          throw Object.assign(new Error(`service answered ${response.status}`), { code: 'UPSTREAM' });
        return response.json();
      };
      return {
        list: async ({ from, to }) =>
          (await call(`/weigh-ins?from=${from.toISOString()}&to=${to.toISOString()}`)).map((w) => ({
            id: w.id,
            takenAt: new Date(w.takenAt),
            weightKg: w.weightKg,
          })),
        async write(batch) {
          const body = JSON.stringify(
            batch.map((w) => ({ takenAt: w.takenAt.toISOString(), weightKg: w.weightKg })),
          );
          await call('/weigh-ins', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          return {};
        },
      };
    },
  };
}
