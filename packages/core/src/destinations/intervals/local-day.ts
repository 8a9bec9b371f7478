/** `YYYY-MM-DD`, a calendar day as intervals.icu keys its wellness records. */
export type Day = string;

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
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
    formats.set(timeZone, format);
  }
  return format;
}

/** The wall-clock fields of `at` in `timeZone`. */
function wallClock(at: Date, timeZone: string) {
  const parts: Record<string, string> = {};
  for (const { type, value } of formatOf(timeZone).formatToParts(at)) parts[type] = value;
  return {
    day: `${parts.year}-${parts.month}-${parts.day}`,
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

/** The day `at` falls on in `timeZone` (a weigh-in at 23:30 in Paris is that day, not the UTC one). */
export function localDay(at: Date, timeZone: string): Day {
  return wallClock(at, timeZone).day;
}

/** The instant a local day starts in `timeZone` (DST-aware: the offset is read at that instant). */
function startOf(day: Day, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const midnightAsUtc = Date.UTC(y, m - 1, d);
  let guess = midnightAsUtc;
  // Two passes settle the offset even when the day starts next to a DST change.
  for (let pass = 0; pass < 2; pass += 1)
    guess = midnightAsUtc - (wallClock(new Date(guess), timeZone).asUtc - guess);
  return guess;
}

/** The instants a local day covers: `[from, to)`. */
export function dayPeriod(day: Day, timeZone: string): { from: Date; to: Date } {
  return { from: new Date(startOf(day, timeZone)), to: new Date(startOf(addDays(day, 1), timeZone)) };
}

/** `day` plus `n` calendar days. */
export function addDays(day: Day, n: number): Day {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    formatOf(timeZone);
    return true;
  } catch {
    return false;
  }
}
