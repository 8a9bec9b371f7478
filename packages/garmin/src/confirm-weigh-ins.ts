import type { WeightEntry } from '@wg-sync/fit';
import type { GarminWeighIn } from './weigh-ins.js';

/** How {@link GarminClient.addBodyComposition} confirms that Garmin really stored the weigh-ins. */
export interface GarminVerifyOptions {
  /** Reads before giving up (default 4). */
  attempts?: number;
  /** Wait before the first read in ms, doubled before each further read (default 1000). */
  delayMs?: number;
  /** A stored weigh-in matches an entry within this many seconds (default 120). */
  toleranceSeconds?: number;
  /** … and within this many kg (default 0.1). */
  toleranceKg?: number;
}

/** The stored weigh-in matching each entry, in entry order; `undefined` where none matches. */
export function matchWeighIns(
  entries: readonly WeightEntry[],
  stored: readonly GarminWeighIn[],
  options: Required<Pick<GarminVerifyOptions, 'toleranceSeconds' | 'toleranceKg'>>,
): Array<GarminWeighIn | undefined> {
  const used = new Set<number>();
  return entries.map((entry) => {
    const match = stored.find(
      (w) =>
        !used.has(w.samplePk) &&
        Math.abs(w.takenAt.getTime() - entry.timestamp.getTime()) <= options.toleranceSeconds * 1000 &&
        Math.abs(w.weightKg - entry.weightKg) <= options.toleranceKg + 1e-9,
    );
    if (match) used.add(match.samplePk);
    return match;
  });
}

/** The span of instants the entries cover, widened by the tolerance. */
export function entrySpan(
  entries: readonly WeightEntry[],
  toleranceSeconds: number,
): { from: Date; to: Date } {
  const times = entries.map((e) => e.timestamp.getTime());
  const margin = toleranceSeconds * 1000;
  return { from: new Date(Math.min(...times) - margin), to: new Date(Math.max(...times) + margin) };
}
