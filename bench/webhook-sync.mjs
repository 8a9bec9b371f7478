// webhookSync: what one new weigh-in costs, from Withings' notification to the verified write in
// Garmin, with 50 ms injected per upstream call and valid tokens. Sequential round trips are counted
// from when the simulators received each request: calls sent together arrive within a few ms, a call
// that waited for an answer arrives at least one injected latency later.
import { startIntervalsSim } from '@wg-sync/testkit';
import { startWeighInService, weighInServiceDestination } from './http-destination.mjs';
import { percentile, round, startWorld } from './world.mjs';

/** Injected before every upstream answer; the wall-time target is a multiple of it. */
export const LATENCY_MS = 50;
/** getmeas ∥ Garmin range read, upload, read-back: the fewest round trips a verified write takes. */
export const SEQUENTIAL_ROUND_TRIPS_TARGET = 3;
/** Wall time ÷ (round trips × latency): what the engine and the wire may add to the waiting. */
export const WALL_TARGET_RATIO = 1.25;

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

/**
 * @param {{ runs: number, secondDestination?: 'service' | 'intervals' }} options With
 *   `secondDestination`, a second destination on 127.0.0.1 (same latency) is written beside Garmin: a
 *   plug-in weigh-in service, or the built-in intervals.icu (its simulator, the account linked to it).
 *   Its calls count, and the round trips must not grow (destinations are written concurrently).
 */
export async function webhookSync({ runs, secondDestination }) {
  // Read-back's first poll normally waits 1.5 s for Garmin to file the upload; the simulator files it
  // at once, so the wait is left out to measure the protocol, not a sleep.
  // Weigh-ins are minutes apart in life; here they follow each other at once, so the engine's clock
  // moves two minutes per run: each notification opens a new debounce window and is synced at once,
  // as one is in life (within a window it would wait for the window's closing sync instead).
  let skewMs = 0;
  const service =
    secondDestination === 'service'
      ? await startWeighInService()
      : secondDestination === 'intervals'
        ? await intervalsService()
        : undefined;
  const world = await startWorld({
    config: {
      readBack: { attempts: 3, delayMs: 0 },
      now: () => new Date(Date.now() + skewMs),
      ...(secondDestination === 'service' ? { destinations: [weighInServiceDestination(service.url)] } : {}),
      ...(secondDestination === 'intervals' ? { intervals: { baseUrl: service.url } } : {}),
    },
  });
  try {
    const [{ userId }] = world.people;
    if (secondDestination === 'intervals') await service.link(world.sync, userId);
    // The first sync of an account also looks back 7 days and reads the height once: not the steady state.
    await world.sync.syncRecent({ userId });
    world.withings.latencyMs = LATENCY_MS;
    world.garmin.latencyMs = LATENCY_MS;
    if (service) service.latencyMs = LATENCY_MS;
    const samples = [];
    for (let i = 0; i < runs; i += 1) {
      skewMs += 120_000;
      const marks = {
        withings: world.withings.requests.length,
        garmin: world.garmin.requests.length,
        service: service?.requests.length ?? 0,
      };
      const report = world.nextReport((r) => r.trigger === 'webhook' && r.synced.length > 0);
      const t0 = performance.now();
      world.withings.addWeighIn(userId, {
        // Measured shortly before Withings notifies, as in life (after the last sync's cursor minus its
        // 5-minute overlap), 20 s apart (groups seconds apart are one split weigh-in) and a kilo apart
        // (or Garmin-side dedup, ±120 s and ±0.1 kg, would rightly skip them). A weigh-in measured
        // before the cursor (a scale that was offline) costs one more Garmin range read: the sync reads
        // from the cursor, never from the notification's startdate, which anyone can forge. Each one
        // is later than the last, as in life: intervals.icu keeps a day's latest weigh-in only.
        takenAt: new Date(Date.now() - 30_000 - (runs - i) * 20_000),
        weightKg: 80 + i,
        fatPercent: 20.5,
      });
      const done = await report;
      const wallMs = performance.now() - t0;
      const requests = [
        ...world.withings.requests.slice(marks.withings).map((r) => ({ ...r, sim: 'withings' })),
        ...world.garmin.requests.slice(marks.garmin).map((r) => ({ ...r, sim: 'garmin' })),
        ...(service?.requests.slice(marks.service) ?? []).map((r) => ({ ...r, sim: 'service' })),
      ].sort((a, b) => a.receivedAt - b.receivedAt);
      samples.push({
        upstreamCalls: requests.length,
        reportedCalls:
          done.upstreamCalls.withings +
          Object.values(done.destinations).reduce((sum, d) => sum + d.upstreamCalls, 0),
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
    const wallMsMedian = round(
      percentile(
        samples.map((s) => s.wallMs),
        50,
      ),
    );
    const wallRatioToLatencyFloor = round(wallMsMedian / (SEQUENTIAL_ROUND_TRIPS_TARGET * LATENCY_MS), 2);
    return {
      injectedLatencyMs: LATENCY_MS,
      runs,
      upstreamCalls: Math.max(...samples.map((s) => s.upstreamCalls)),
      upstreamCallsReported: Math.max(...samples.map((s) => s.reportedCalls)),
      sequentialRoundTrips: Math.max(...samples.map((s) => s.roundTrips)),
      wallMsMedian,
      wallRatioToLatencyFloor,
      targetWallRatio: WALL_TARGET_RATIO,
      withinWallTarget: wallRatioToLatencyFloor <= WALL_TARGET_RATIO,
      lastRunCalls: samples.at(-1).calls,
    };
  } finally {
    await world.close();
    await service?.close();
  }
}

/** The intervals.icu simulator, shaped like the weigh-in service (`requests`, `latencyMs`, `close`). */
async function intervalsService() {
  const sim = await startIntervalsSim({ athletes: [{ id: 'i1', timezone: 'Europe/Berlin' }] });
  return {
    url: sim.url,
    get requests() {
      return sim.requests;
    },
    set latencyMs(ms) {
      sim.latencyMs = ms;
    },
    link: (sync, userId) =>
      sync.accounts.setIntervals(userId, { apiKey: sim.athlete.apiKey, athleteId: 'i1' }),
    close: () => sim.close(),
  };
}

/** The path without ids and dates, e.g. `/weight-service/weight/range`. */
function endpoint(path) {
  return path.replace(/\/\d{4}-\d{2}-\d{2}.*$/, '');
}
