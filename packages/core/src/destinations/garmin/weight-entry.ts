import type { GarminClient } from '@wg-sync/garmin';
import type { WeighIn } from '@wg-sync/withings';

/** The FIT weight entry wg-sync uploads (`WeightEntry` of @wg-sync/fit, as the Garmin client takes it). */
export type GarminWeightEntry = Parameters<GarminClient['addBodyComposition']>[0][number];

/**
 * The field-coverage contract: which Withings measure reaches which Garmin field. Fields Garmin has no
 * place for (fat mass, fat-free mass, heart rate, pulse wave velocity) are listed in `notSent`.
 */
export const FIELD_MAP = [
  { withings: 'weightKg (type 1)', garmin: 'weight (kg)' },
  { withings: 'fatPercent (type 6)', garmin: 'percent_fat (%)' },
  { withings: 'hydrationKg (type 77)', garmin: 'percent_hydration (% = kg ÷ weight × 100)' },
  { withings: 'boneMassKg (type 88)', garmin: 'bone_mass (kg)' },
  { withings: 'muscleMassKg (type 76)', garmin: 'muscle_mass (kg, "Skeletal Muscle Mass" in Garmin)' },
  {
    withings: 'visceralFatIndex (type 170)',
    garmin: 'visceral_fat_rating (rounded to a whole number, 1–59)',
  },
  { withings: 'metabolicAge (type 227)', garmin: 'metabolic_age (whole years)' },
  { withings: 'basalMetKcal (type 226)', garmin: 'basal_met (kcal/day)' },
  { withings: 'weight ÷ height² (type 4, when known)', garmin: 'bmi' },
] as const;

const inRange = (value: number | undefined, min: number, max: number) =>
  value !== undefined && Number.isFinite(value) && value >= min && value <= max;

/**
 * Turns a Withings weigh-in into the entry uploaded to Garmin. A value outside what FIT can hold is
 * left out rather than failing the upload: one odd field never costs the weigh-in.
 */
export function toGarminEntry(weighIn: WeighIn, heightM?: number): GarminWeightEntry {
  const entry: GarminWeightEntry = { timestamp: weighIn.takenAt, weightKg: weighIn.weightKg };
  if (inRange(weighIn.fatPercent, 0, 100)) entry.fatPercent = weighIn.fatPercent;
  if (inRange(weighIn.hydrationPercent, 0, 100)) entry.hydrationPercent = weighIn.hydrationPercent;
  if (inRange(weighIn.boneMassKg, 0, 655)) entry.boneMassKg = weighIn.boneMassKg;
  if (inRange(weighIn.muscleMassKg, 0, 655)) entry.muscleMassKg = weighIn.muscleMassKg;
  const visceral = weighIn.visceralFatIndex === undefined ? undefined : Math.round(weighIn.visceralFatIndex);
  if (inRange(visceral, 1, 59)) entry.visceralFatRating = visceral;
  const age = weighIn.metabolicAge === undefined ? undefined : Math.round(weighIn.metabolicAge);
  if (inRange(age, 1, 150)) entry.metabolicAge = age;
  if (inRange(weighIn.basalMetKcal, 1, 16_383)) entry.basalMetKcal = weighIn.basalMetKcal;
  if (heightM !== undefined && inRange(heightM, 0.5, 2.8)) {
    const bmi = weighIn.weightKg / (heightM * heightM);
    if (inRange(bmi, 5, 200)) entry.bmi = Math.round(bmi * 10) / 10;
  }
  return entry;
}

/** The names of the body-composition fields an entry carries (for reports). */
export function sentFields(entry: GarminWeightEntry): string[] {
  return Object.keys(entry).filter((key) => key !== 'timestamp');
}
