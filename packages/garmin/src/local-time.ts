const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    try {
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
    } catch {
      throw new RangeError(
        `timeZone must be an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(timeZone)}`,
      );
    }
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * The wall-clock time of `at` in `timeZone`, encoded as if it were UTC (milliseconds kept). Uses the
 * IANA rules through `Intl`; the host's own zone plays no part.
 */
export function wallClockMs(at: Date, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const ms = ((at.getTime() % 1000) + 1000) % 1000;
  return (
    Date.UTC(
      parts.year ?? 0,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    ) + ms
  );
}

/** Garmin's zone-less timestamp format: `YYYY-MM-DDTHH:mm:ss.SSS`. */
export function zoneless(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

/** Parses Garmin's zone-less UTC timestamp (`2026-03-01T08:15:00.0`) as a UTC instant. */
export function parseZonelessUtc(value: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,3}))?$/.exec(value);
  if (!match) return undefined;
  const at = new Date(`${match[1]}T${match[2]}.${(match[3] ?? '0').padEnd(3, '0')}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
