/** The athlete a key belongs to, as `GET /api/v1/athlete/{id}` answers (only what the client reads). */
export interface IntervalsAthlete {
  /** The athlete id (`i12345`); never `'0'`, which only names "the key's own athlete" in a path. */
  id: string;
  /**
   * The athlete's IANA time zone (`Europe/Paris`). intervals.icu keeps one wellness record per day
   * in this zone: pick a record's date with {@link wellnessDay}. Absent when the athlete has none set.
   */
  timezone?: string;
  /** Display name, when there is one. */
  name?: string;
}

/**
 * One day's wellness record, as intervals.icu answers it (only the fields this client reads; a
 * `null` in the answer is an absent field here).
 */
export interface IntervalsWellness {
  /** The day, `YYYY-MM-DD`, in the athlete's time zone. */
  id: string;
  /** Body weight, kg. */
  weight?: number;
  /** Body fat, %. */
  bodyFat?: number;
  /** Systolic blood pressure, mmHg. */
  systolic?: number;
  /** Diastolic blood pressure, mmHg. */
  diastolic?: number;
  /** When the record last changed (ISO 8601, as intervals.icu writes it). */
  updated?: string;
}

/**
 * A partial update of one day's record: only the fields given are sent, and intervals.icu leaves
 * the others as they are. {@link CLEAR} (`-1`) removes a field's value.
 */
export interface IntervalsWellnessUpdate {
  /** Body weight, kg: finite and over 0 (and under 1000), or `-1` to clear. */
  weight?: number;
  /** Body fat, %: over 0 and at most 100, or `-1` to clear. */
  bodyFat?: number;
  /** Systolic blood pressure, mmHg: finite and over 0 (and under 400), or `-1` to clear. */
  systolic?: number;
  /** Diastolic blood pressure, mmHg: finite and over 0 (and under 400), or `-1` to clear. */
  diastolic?: number;
}

/** The value that clears a wellness field in {@link IntervalsWellnessUpdate} (intervals.icu's convention). */
export const CLEAR = -1;

/** The range of {@link IntervalsClient.listWellness}: both days included, `YYYY-MM-DD`. */
export interface ListWellnessParams {
  /** The first day (`YYYY-MM-DD`). */
  oldest: string;
  /** The last day (`YYYY-MM-DD`), not before `oldest`. */
  newest: string;
}
