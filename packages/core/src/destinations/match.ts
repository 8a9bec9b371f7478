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
export function findMatch<
  T extends { id: string; takenAt: Date; weightKg: number; period?: { from: Date; to: Date } },
>(
  weighIn: { takenAt: Date; weightKg: number },
  held: readonly T[],
  tolerance: Tolerance,
  claimed: ReadonlySet<string> = new Set(),
): T | undefined {
  let best: T | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const candidate of held) {
    if (claimed.has(candidate.id)) continue;
    const gap = gapOf(weighIn.takenAt.getTime(), candidate);
    if (gap > tolerance.timeToleranceSec * 1000) continue;
    if (Math.abs(candidate.weightKg - weighIn.weightKg) > tolerance.weightToleranceKg + 1e-9) continue;
    if (gap < bestGap) {
      best = candidate;
      bestGap = gap;
    }
  }
  return best;
}

/** How far a weigh-in is from a record: from its instant; for a period, 0 inside it, else too far. */
function gapOf(at: number, record: { takenAt: Date; period?: { from: Date; to: Date } }): number {
  if (!record.period) return Math.abs(record.takenAt.getTime() - at);
  const inside = at >= record.period.from.getTime() && at < record.period.to.getTime();
  return inside ? 0 : Number.POSITIVE_INFINITY;
}
