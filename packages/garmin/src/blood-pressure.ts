import type * as z from 'zod/mini';
import { parseZonelessUtc, wallClockMs, zoneless } from './local-time.js';
import type { bloodPressureRange } from './schemas.js';

/** A blood-pressure reading for {@link GarminClient.addBloodPressure}. */
export interface GarminBloodPressureInput {
  /** The instant of the reading. */
  takenAt: Date;
  /** Systolic pressure, mmHg (whole number, 70–260). */
  systolic: number;
  /** Diastolic pressure, mmHg (whole number, 40–150). */
  diastolic: number;
  /**
   * Pulse, beats per minute (whole number, 20–250). Leave it out when the monitor measured none: the
   * field is then not sent. (Garmin Connect's own form takes a reading without a pulse; whether the API
   * does is not recorded anywhere we know of, protocols §2.6.)
   */
  pulse?: number | undefined;
  /**
   * The IANA time zone the reading was taken in (e.g. `Europe/Berlin`): Garmin wants the local
   * wall time as well as UTC, and this zone, never the host's, decides it.
   */
  timeZone: string;
  /** A note shown in Garmin Connect (default empty). */
  notes?: string;
}

/** A blood-pressure reading stored in Garmin Connect. */
export interface GarminBloodPressure {
  /** Garmin's record id (needed to delete it). */
  version: number;
  /** The instant (from `measurementTimestampGMT`). */
  takenAt: Date;
  /** The local wall time Garmin stored, as sent (`YYYY-MM-DDTHH:mm:ss.S`, no zone). */
  localTime: string;
  /** The local calendar date (`YYYY-MM-DD`), needed to delete it. */
  calendarDate: string;
  /** Systolic pressure, mmHg. */
  systolic: number;
  /** Diastolic pressure, mmHg. */
  diastolic: number;
  /** Beats per minute, when stored. */
  pulse?: number;
  /** Garmin's category, e.g. `NORMAL`, `STAGE_1_HIGH`, when given. */
  category?: string;
  /** The note, when not empty. */
  notes?: string;
  /** Where Garmin says it came from (`MANUAL`, …). */
  sourceType: string | null;
}

const LIMITS = { systolic: [70, 260], diastolic: [40, 150], pulse: [20, 250] } as const;

/** The JSON body of `POST /bloodpressure-service/bloodpressure` (protocol §2.6). */
export function bloodPressureBody(input: GarminBloodPressureInput): Record<string, unknown> {
  if (input === null || typeof input !== 'object')
    throw new TypeError('a blood-pressure reading is required');
  const { takenAt, timeZone } = input;
  if (!(takenAt instanceof Date) || Number.isNaN(takenAt.getTime())) {
    throw new RangeError('takenAt must be a valid Date');
  }
  if (typeof timeZone !== 'string' || timeZone === '') {
    throw new RangeError('timeZone is required: the IANA zone of the reading, e.g. "Europe/Berlin"');
  }
  for (const [field, [min, max]] of Object.entries(LIMITS)) {
    const value = input[field as keyof typeof LIMITS];
    if (field === 'pulse' && value === undefined) continue;
    if (value === undefined || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${field} must be a whole number from ${min} to ${max}, got ${String(value)}`);
    }
  }
  const localMs = wallClockMs(takenAt, timeZone); // throws RangeError for an unknown zone
  return {
    measurementTimestampLocal: zoneless(localMs),
    measurementTimestampGMT: zoneless(takenAt.getTime()),
    systolic: input.systolic,
    diastolic: input.diastolic,
    ...(input.pulse === undefined ? {} : { pulse: input.pulse }),
    sourceType: 'MANUAL',
    notes: input.notes ?? '',
  };
}

/** Flattens a blood-pressure range answer into readings (skipping ones without a readable instant). */
export function toBloodPressures(range: z.infer<typeof bloodPressureRange>): GarminBloodPressure[] {
  const out: GarminBloodPressure[] = [];
  for (const summary of range.measurementSummaries) {
    for (const m of summary.measurements) {
      const takenAt = parseZonelessUtc(m.measurementTimestampGMT);
      if (!takenAt) continue;
      const reading: GarminBloodPressure = {
        version: m.version,
        takenAt,
        localTime: m.measurementTimestampLocal,
        calendarDate: m.measurementTimestampLocal.slice(0, 10),
        systolic: m.systolic,
        diastolic: m.diastolic,
        sourceType: m.sourceType ?? null,
      };
      if (typeof m.pulse === 'number') reading.pulse = m.pulse;
      if (m.category) reading.category = m.category;
      if (m.notes) reading.notes = m.notes;
      out.push(reading);
    }
  }
  return out;
}
