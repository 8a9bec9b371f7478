const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of `ms` in `timeZone`, encoded as if it were UTC (ms kept). */
export function wallClockMs(ms: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const fraction = ((ms % 1000) + 1000) % 1000;
  return (
    Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) +
    fraction
  );
}

/** `YYYY-MM-DD` of a local-as-UTC ms value. */
export function dayOf(localMs: number): string {
  return new Date(localMs).toISOString().slice(0, 10);
}

/** True for a real `YYYY-MM-DD` date. */
export function isDate(value: string | undefined): value is string {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const at = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === value;
}

/** Local-as-UTC midnight of a `YYYY-MM-DD` date. */
export function midnight(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`);
}

/** Throws a readable error for an unknown IANA zone. */
export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new RangeError(`unknown IANA time zone ${JSON.stringify(timeZone)}`);
  }
}
