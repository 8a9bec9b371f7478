// webhookSync: what one new weigh-in costs, from Withings' notification to the verified write in
// Garmin, with 50 ms injected per upstream call and valid tokens. Sequential round trips are counted
// from when the simulators received each request: calls sent together arrive within a few ms, a call
// that waited for an answer arrives at least one injected latency later.
import { percentile, round, startWorld } from './world.mjs';

const LATENCY_MS = 50;

/** Groups request times into waves: a new wave starts when a request came a latency after the last. */
export function countWaves(times, latencyMs) {
  const sorted = [...times].sort((a, b) => a - b);
  let waves = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of sorted) {
    if (t - last >= latencyMs / 2) waves += 1;
    last = t;
  }
  return waves;
}

export async function webhookSync({ runs }) {
  // Read-back's first poll normally waits 1.5 s for Garmin to file the upload; the simulator files it
  // at once, so the wait is left out to measure the protocol, not a sleep.
  const world = await startWorld({ config: { readBack: { attempts: 3, delayMs: 0 } } });
  try {
    const [{ userId }] = world.people;
    // The first sync of an account also looks back 7 days and reads the height once: not the steady state.
    await world.sync.syncRecent({ userId });
    world.withings.latencyMs = LATENCY_MS;
    world.garmin.latencyMs = LATENCY_MS;
    const samples = [];
    for (let i = 0; i < runs; i += 1) {
      const marks = { withings: world.withings.requests.length, garmin: world.garmin.requests.length };
      const report = world.nextReport((r) => r.trigger === 'webhook' && r.synced.length > 0);
      const t0 = performance.now();
      world.withings.addWeighIn(userId, {
        // Ten minutes and a kilo apart, or Garmin-side dedup (±120 s, ±0.1 kg) would rightly skip them.
        takenAt: new Date(Date.now() - (i + 1) * 600_000),
        weightKg: 80 + i,
        fatPercent: 20.5,
      });
      const done = await report;
      const wallMs = performance.now() - t0;
      const requests = [
        ...world.withings.requests.slice(marks.withings).map((r) => ({ ...r, sim: 'withings' })),
        ...world.garmin.requests.slice(marks.garmin).map((r) => ({ ...r, sim: 'garmin' })),
      ].sort((a, b) => a.receivedAt - b.receivedAt);
      samples.push({
        upstreamCalls: requests.length,
        reportedCalls: done.upstreamCalls.withings + done.upstreamCalls.garmin,
        roundTrips: countWaves(
          requests.map((r) => r.receivedAt.getTime()),
          LATENCY_MS,
        ),
        wallMs,
        calls: requests.map(
          (r) => `+${r.receivedAt - requests[0].receivedAt} ms ${r.sim} ${r.method} ${endpoint(r.path)}`,
        ),
      });
    }
    return {
      injectedLatencyMs: LATENCY_MS,
      runs,
      upstreamCalls: Math.max(...samples.map((s) => s.upstreamCalls)),
      upstreamCallsReported: Math.max(...samples.map((s) => s.reportedCalls)),
      sequentialRoundTrips: Math.max(...samples.map((s) => s.roundTrips)),
      wallMsMedian: round(
        percentile(
          samples.map((s) => s.wallMs),
          50,
        ),
      ),
      lastRunCalls: samples.at(-1).calls,
    };
  } finally {
    await world.close();
  }
}

/** The path without ids and dates, e.g. `/weight-service/weight/range`. */
function endpoint(path) {
  return path.replace(/\/\d{4}-\d{2}-\d{2}.*$/, '');
}
