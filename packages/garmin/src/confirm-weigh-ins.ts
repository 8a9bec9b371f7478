import type { GarminWeighIn } from './weigh-ins.js';

/** How {@link GarminClient.addBodyComposition} and {@link GarminClient.readBack} look for stored weigh-ins. */
export interface GarminVerifyOptions {
  /** Reads before giving up (default {@link GARMIN_VERIFY_DEFAULTS}`.attempts`, 3). */
  attempts?: number;
  /** Wait before the first read in ms, doubled before each further read (default 1500). */
  delayMs?: number;
  /** A stored weigh-in matches an entry within this many seconds (default 120). */
  toleranceSeconds?: number;
  /** … and within this many kg (default 0.1). */
  toleranceKg?: number;
}

/**
 * The one set of read-back defaults, used by {@link GarminClient.addBodyComposition}'s verify, by
 * {@link GarminClient.readBack}, and matching wg-sync core's documented defaults (3 reads from 1.5 s,
 * doubling: about 10.5 s before a weigh-in counts as not stored; 120 s and 0.1 kg tolerance).
 */
export const GARMIN_VERIFY_DEFAULTS: Readonly<Required<GarminVerifyOptions>> = Object.freeze({
  attempts: 3,
  delayMs: 1500,
  toleranceSeconds: 120,
  toleranceKg: 0.1,
});

/** Options of {@link GarminClient.readBack}. */
export interface GarminReadBackOptions extends GarminVerifyOptions {
  /**
   * `samplePk`s that were in Garmin before the upload: never taken as proof that a new weigh-in was
   * stored (an older record of the same weight at about the same time would otherwise hide a loss).
   */
  existing?: Iterable<number>;
}

/** What is looked for: an instant and a weight, as in a FIT `WeightEntry`. */
export interface GarminReadBackItem {
  timestamp: Date;
  weightKg: number;
}

type Tolerance = Pick<Required<GarminVerifyOptions>, 'toleranceSeconds' | 'toleranceKg'>;

/**
 * The stored weigh-in matching each item, in item order; `undefined` where none matches. Each item
 * takes the record closest in time within tolerance (not the first listed, or a neighbour's record
 * could be taken and the neighbour reported missing); a record is taken once, and `claimed` ones never.
 */
export function matchWeighIns(
  items: readonly GarminReadBackItem[],
  stored: readonly GarminWeighIn[],
  tolerance: Tolerance,
  claimed: ReadonlySet<number> = new Set(),
): Array<GarminWeighIn | undefined> {
  const used = new Set(claimed);
  return items.map((item) => {
    let best: GarminWeighIn | undefined;
    let bestGap = Number.POSITIVE_INFINITY;
    for (const candidate of stored) {
      if (used.has(candidate.samplePk)) continue;
      const gap = Math.abs(candidate.takenAt.getTime() - item.timestamp.getTime());
      if (gap > tolerance.toleranceSeconds * 1000) continue;
      // The epsilon keeps 80.1 vs 80.0 within a 0.1 kg tolerance despite binary floats.
      if (Math.abs(candidate.weightKg - item.weightKg) > tolerance.toleranceKg + 1e-9) continue;
      if (gap < bestGap) {
        best = candidate;
        bestGap = gap;
      }
    }
    if (best) used.add(best.samplePk);
    return best;
  });
}

/** The span of instants the items cover, widened by the tolerance. */
export function entrySpan(
  items: readonly GarminReadBackItem[],
  toleranceSeconds: number,
): { from: Date; to: Date } {
  const times = items.map((e) => e.timestamp.getTime());
  const margin = toleranceSeconds * 1000;
  return { from: new Date(Math.min(...times) - margin), to: new Date(Math.max(...times) + margin) };
}

/**
 * Reads items back: before each attempt a pause (doubling), then ONE range read covering every item,
 * until each is found or the attempts run out. An empty list reads nothing.
 */
export async function readBackWeighIns(
  list: (range: { from: Date; to: Date }) => Promise<GarminWeighIn[]>,
  items: readonly GarminReadBackItem[],
  options: GarminReadBackOptions,
  sleep: (ms: number) => Promise<void>,
): Promise<Array<GarminWeighIn | undefined>> {
  const { existing, ...given } = options;
  // `undefined` fields fall back too: `{ attempts: undefined }` is "not configured", not NaN.
  const d = GARMIN_VERIFY_DEFAULTS;
  const o = {
    attempts: given.attempts ?? d.attempts,
    delayMs: given.delayMs ?? d.delayMs,
    toleranceSeconds: given.toleranceSeconds ?? d.toleranceSeconds,
    toleranceKg: given.toleranceKg ?? d.toleranceKg,
  };
  let found: Array<GarminWeighIn | undefined> = items.map(() => undefined);
  if (items.length === 0) return found;
  const claimed = new Set(existing ?? []);
  const range = entrySpan(items, o.toleranceSeconds);
  let delay = o.delayMs;
  for (let attempt = 1; attempt <= o.attempts; attempt += 1) {
    await sleep(delay);
    delay *= 2;
    found = matchWeighIns(items, await list(range), o, claimed);
    if (found.every(Boolean)) break;
  }
  return found;
}
