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
