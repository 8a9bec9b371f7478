// backfill365: a year of daily weigh-ins imported into Garmin: how many uploads and how long.
import { round, startWorld } from './world.mjs';

const DAY_MS = 86_400_000;

export async function backfill({ days }) {
  const world = await startWorld({ config: { readBack: { attempts: 3, delayMs: 0 } } });
  try {
    const [{ userId }] = world.people;
    const start = Date.now() - days * DAY_MS;
    for (let day = 0; day < days; day += 1) {
      world.withings.addWeighIn(userId, {
        takenAt: new Date(start + day * DAY_MS + 7 * 3_600_000),
        weightKg: 82 - day / 100,
        fatPercent: 22 - day / 200,
        notify: false,
      });
    }
    const uploadsBefore = world.garmin.uploads().length;
    const t0 = performance.now();
    const report = await world.sync.backfill({ userId, from: new Date(start - DAY_MS) });
    const wallMs = performance.now() - t0;
    return {
      weighIns: days,
      synced: report.synced.length,
      failed: report.failed.length,
      uploadCalls: world.garmin.uploads().length - uploadsBefore,
      upstreamCalls: report.upstreamCalls.withings + report.upstreamCalls.garmin,
      wallMs: round(wallMs),
      inGarmin: world.garmin.weighIns(world.people[0].email).length,
    };
  } finally {
    await world.close();
  }
}
