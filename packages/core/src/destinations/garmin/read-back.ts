import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';
import type { Tolerance } from '../match.js';

/** What {@link readBack} polls with: the records held before, the tolerance, the attempts. */
export interface ReadBackOptions {
  /** Garmin's ids of the records it held before the upload (never a match). */
  existing: ReadonlySet<number>;
  tolerance: Tolerance;
  policy: { attempts: number; delayMs: number };
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
  { existing, tolerance, policy }: ReadBackOptions,
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
