import { CLEAR, type IntervalsWellnessUpdate } from './types.js';

/** True for a real calendar day written `YYYY-MM-DD` (`2026-02-30` is not one). */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** @throws RangeError unless `value` is a real `YYYY-MM-DD` day. */
export function checkDay(name: string, value: unknown): string {
  if (!isDay(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
    throw new RangeError(`${name} must be a day written YYYY-MM-DD, got ${shown}`);
  }
  return value;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock formatter of `timeZone`, made once per zone (a backfill asks for thousands of days). */
function formatOf(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      throw new RangeError(
        `timeZone must be an IANA time zone name, got ${JSON.stringify(String(timeZone))}`,
      );
    }
    formats.set(timeZone, format);
  }
  return format;
}

/** The wall-clock day of `at` in `timeZone`, and that wall-clock time read as if it were UTC. */
function wallClock(at: Date, timeZone: string): { day: string; asUtc: number } {
  const parts: Record<string, string> = {};
  for (const { type, value } of formatOf(timeZone).formatToParts(at)) parts[type] = value;
  const year = (parts.year ?? '').padStart(4, '0');
  return {
    day: `${year}-${parts.month}-${parts.day}`,
    asUtc: Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    ),
  };
}

/**
 * The calendar day `at` falls on in `timeZone`, `YYYY-MM-DD`: the `date` of the wellness record a
 * measurement taken at `at` belongs to, given the athlete's `timezone` from
 * {@link IntervalsClient.getAthlete}. (A server in UTC that used its own day would write an
 * evening weigh-in in Europe into the day before, or the next.)
 *
 * @example
 * ```ts
 * wellnessDay(new Date('2026-11-20T23:30:00Z'), 'Europe/Paris'); // '2026-11-21'
 * ```
 * @throws RangeError for an invalid `Date` or a `timeZone` that is not an IANA name.
 */
export function wellnessDay(at: Date, timeZone: string): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError('at must be a valid Date');
  return wallClock(at, timeZone).day;
}

/** The instant a day starts in `timeZone` (the offset read at that instant: DST-aware). */
function startOf(day: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const midnightAsUtc = Date.UTC(y, m - 1, d);
  let guess = midnightAsUtc;
  // Two passes settle the offset even when the day starts next to a DST change.
  for (let pass = 0; pass < 2; pass += 1)
    guess = midnightAsUtc - (wallClock(new Date(guess), timeZone).asUtc - guess);
  return guess;
}

/**
 * The instants a wellness day covers in `timeZone`, `[from, to)`: 23 or 25 hours on the days the
 * clocks change.
 *
 * @example
 * ```ts
 * wellnessDayBounds('2026-12-01', 'Europe/Berlin'); // { from: 2026-11-30T23:00Z, to: 2026-12-01T23:00Z }
 * ```
 * @throws RangeError for a day that is not `YYYY-MM-DD` or a `timeZone` that is not an IANA name.
 */
export function wellnessDayBounds(day: string, timeZone: string): { from: Date; to: Date } {
  checkDay('day', day);
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return { from: new Date(startOf(day, timeZone)), to: new Date(startOf(next, timeZone)) };
}

const LIMITS: Record<keyof IntervalsWellnessUpdate, { max: number; inclusive: boolean; unit: string }> = {
  weight: { max: 1000, inclusive: false, unit: 'kg' },
  bodyFat: { max: 100, inclusive: true, unit: '%' },
  systolic: { max: 400, inclusive: false, unit: 'mmHg' },
  diastolic: { max: 400, inclusive: false, unit: 'mmHg' },
};

/**
 * The JSON body of a PUT: the known fields that were given, each checked.
 * @throws RangeError for a value out of range, or when no field is given.
 */
export function updateBody(update: IntervalsWellnessUpdate): Record<string, number> {
  if (update === null || typeof update !== 'object') throw new RangeError('the update must be an object');
  const body: Record<string, number> = {};
  for (const [field, { max, inclusive, unit }] of Object.entries(LIMITS)) {
    const value = (update as Record<string, unknown>)[field];
    if (value === undefined) continue;
    const inRange =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (value === CLEAR || (value > 0 && (inclusive ? value <= max : value < max)));
    if (!inRange) {
      const shown = typeof value === 'number' ? String(value) : typeof value;
      throw new RangeError(
        `${field} must be a finite number over 0 and ${inclusive ? 'at most' : 'under'} ${max} ${unit}, or -1 to clear it; got ${shown}`,
      );
    }
    body[field] = value;
  }
  if (Object.keys(body).length === 0) {
    throw new RangeError('the update names no field (weight, bodyFat, systolic, diastolic)');
  }
  return body;
}
