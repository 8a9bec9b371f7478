import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';

/** What counts as "the same weigh-in" in Garmin. */
export interface Tolerance {
  timeToleranceSec: number;
  weightToleranceKg: number;
}

/** The Garmin weigh-in matching `weighIn` within tolerance, skipping those already claimed. */
export function findMatch(
  weighIn: { takenAt: Date; weightKg: number },
  garmin: GarminWeighIn[],
  tolerance: Tolerance,
  claimed: Set<number> = new Set(),
): GarminWeighIn | undefined {
  let best: GarminWeighIn | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const candidate of garmin) {
    if (claimed.has(candidate.samplePk)) continue;
    const gap = Math.abs(candidate.takenAt.getTime() - weighIn.takenAt.getTime());
    if (gap > tolerance.timeToleranceSec * 1000) continue;
    if (Math.abs(candidate.weightKg - weighIn.weightKg) > tolerance.weightToleranceKg + 1e-9) continue;
    if (gap < bestGap) {
      best = candidate;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * Reads uploaded weigh-ins back from Garmin: one range read per attempt, with growing pauses, until
 * each one is found (a new record, not one that was there before) or the attempts run out.
 *
 * @returns the stored record per weigh-in, `undefined` for those Garmin does not show.
 */
export async function readBack<T extends { takenAt: Date; weightKg: number }>(
  garmin: GarminClient,
  uploaded: T[],
  existing: Set<number>,
  tolerance: Tolerance,
  policy: { attempts: number; delayMs: number },
): Promise<Array<GarminWeighIn | undefined>> {
  const times = uploaded.map((w) => w.takenAt.getTime());
  const margin = tolerance.timeToleranceSec * 1000;
  const range = { from: new Date(Math.min(...times) - margin), to: new Date(Math.max(...times) + margin) };
  let found: Array<GarminWeighIn | undefined> = uploaded.map(() => undefined);
  let delay = policy.delayMs;
  for (let attempt = 1; attempt <= policy.attempts; attempt += 1) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    delay *= 2;
    const list = await garmin.listWeighIns(range);
    const claimed = new Set(existing);
    found = uploaded.map((w) => {
      const match = findMatch(w, list, tolerance, claimed);
      if (match) claimed.add(match.samplePk);
      return match;
    });
    if (found.every(Boolean)) break;
  }
  return found;
}
