import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';

/** What counts as "the same weigh-in" in Garmin. */
export interface Tolerance {
  timeToleranceSec: number;
  weightToleranceKg: number;
}

/**
 * The record matching `weighIn` within tolerance, skipping those already claimed (by id): the dedup
 * of every destination before it is written. The same rule as `@wg-sync/garmin`'s read-back
 * matcher, kept here because core imports garmin only as types and loads it lazily.
 */
export function findMatch<T extends { id: string; takenAt: Date; weightKg: number }>(
  weighIn: { takenAt: Date; weightKg: number },
  held: readonly T[],
  tolerance: Tolerance,
  claimed: ReadonlySet<string> = new Set(),
): T | undefined {
  let best: T | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const candidate of held) {
    if (claimed.has(candidate.id)) continue;
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
 * Reads uploaded weigh-ins back from Garmin through {@link GarminClient.readBack} (the one read-back,
 * owned by `@wg-sync/garmin`), with the engine's tolerance and polling: one range read per attempt,
 * growing pauses, until each is found (a new record, not one in `existing`) or the attempts run out.
 *
 * @returns the stored record per weigh-in, `undefined` for those Garmin does not show.
 */
export function readBack(
  garmin: GarminClient,
  uploaded: ReadonlyArray<{ takenAt: Date; weightKg: number }>,
  existing: ReadonlySet<number>,
  tolerance: Tolerance,
  policy: { attempts: number; delayMs: number },
): Promise<Array<GarminWeighIn | undefined>> {
  return garmin.readBack(
    uploaded.map((w) => ({ timestamp: w.takenAt, weightKg: w.weightKg })),
    {
      existing,
      attempts: policy.attempts,
      delayMs: policy.delayMs,
      toleranceSeconds: tolerance.timeToleranceSec,
      toleranceKg: tolerance.weightToleranceKg,
    },
  );
}
