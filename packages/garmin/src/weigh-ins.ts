import type { WeightEntryPayload } from './schemas.js';

/**
 * One weigh-in stored in Garmin Connect, converted to kg. Optional fields are absent when Garmin has
 * no value for them.
 */
export interface GarminWeighIn {
  /** Garmin's record id; also the "version" used to delete it. */
  samplePk: number;
  /** The instant of the weigh-in (from Garmin's `timestampGMT`; never from its local-as-UTC `date`). */
  takenAt: Date;
  /** The local calendar date Garmin files it under (`YYYY-MM-DD`), needed to delete it. */
  calendarDate: string;
  /** Weight in kg (Garmin stores grams). */
  weightKg: number;
  /** Body fat, %. */
  fatPercent?: number;
  /** Body water, %. */
  hydrationPercent?: number;
  /** Bone mass in kg. */
  boneMassKg?: number;
  /** Skeletal muscle mass in kg. */
  muscleMassKg?: number;
  /** BMI, rounded to 0.01 (Garmin returns float32 noise such as 22.799999237060547). */
  bmi?: number;
  /** Visceral fat rating. */
  visceralFat?: number;
  /** Metabolic age, years. */
  metabolicAge?: number;
  /** Physique rating, 1–9. */
  physiqueRating?: number;
  /** Where Garmin says it came from (`INDEX_SCALE`, `MANUAL`, …); `null` when not given. */
  sourceType: string | null;
}

const kg = (grams: number) => Math.round(grams) / 1000;

/**
 * A weight-service entry as a {@link GarminWeighIn}, or undefined when it is not a usable weigh-in
 * (no record id, instant or weight, as in the all-null `previousDateWeight`). Optional values that
 * are null or missing are left out.
 */
export function toWeighIn(entry: WeightEntryPayload): GarminWeighIn | undefined {
  const { samplePk, timestampGMT, weight } = entry as Partial<WeightEntryPayload>;
  if (typeof samplePk !== 'number' || typeof timestampGMT !== 'number' || typeof weight !== 'number') {
    return undefined;
  }
  const weighIn: GarminWeighIn = {
    samplePk,
    takenAt: new Date(timestampGMT),
    calendarDate: entry.calendarDate ?? new Date(timestampGMT).toISOString().slice(0, 10),
    weightKg: kg(weight),
    sourceType: entry.sourceType ?? null,
  };
  const set = <K extends keyof GarminWeighIn>(key: K, value: GarminWeighIn[K] | null | undefined) => {
    if (value !== null && value !== undefined) weighIn[key] = value;
  };
  set('fatPercent', entry.bodyFat);
  set('hydrationPercent', entry.bodyWater);
  set('boneMassKg', typeof entry.boneMass === 'number' ? kg(entry.boneMass) : undefined);
  set('muscleMassKg', typeof entry.muscleMass === 'number' ? kg(entry.muscleMass) : undefined);
  set('bmi', typeof entry.bmi === 'number' ? Math.round(entry.bmi * 100) / 100 : undefined);
  set('visceralFat', entry.visceralFat);
  set('metabolicAge', entry.metabolicAge);
  set('physiqueRating', entry.physiqueRating);
  return weighIn;
}

/** `YYYY-MM-DD` of an instant in UTC. */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;

/**
 * The calendar-date span to ask Garmin for so that every weigh-in between `from` and `to` is in it,
 * whatever the account's time zone (Garmin files by local date; offsets reach ±14 h).
 */
export function dateSpan(from: Date, to: Date): { start: string; end: string } {
  return { start: utcDate(new Date(from.getTime() - DAY_MS)), end: utcDate(new Date(to.getTime() + DAY_MS)) };
}
