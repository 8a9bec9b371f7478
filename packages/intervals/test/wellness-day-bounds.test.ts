import { describe, expect, it } from 'vitest';
import { wellnessDayBounds as dayPeriod, wellnessDay as localDay } from '../src/index.js';

const hours = (p: { from: Date; to: Date }) => (p.to.getTime() - p.from.getTime()) / 3_600_000;

describe('intervals.icu days in the athlete’s time zone', () => {
  it('puts 23:30 local on that day, never on the UTC one', () => {
    expect(localDay(new Date('2026-12-02T04:30:00Z'), 'America/New_York')).toBe('2026-12-01');
    expect(localDay(new Date('2026-12-01T22:30:00Z'), 'Europe/Paris')).toBe('2026-12-01');
    expect(localDay(new Date('2026-12-01T11:30:00Z'), 'Pacific/Auckland')).toBe('2026-12-02');
  });

  it('knows a day’s bounds across daylight-saving changes', () => {
    expect(dayPeriod('2026-12-01', 'Europe/Berlin')).toEqual({
      from: new Date('2026-11-30T23:00:00Z'),
      to: new Date('2026-12-01T23:00:00Z'),
    });
    expect(hours(dayPeriod('2026-03-29', 'Europe/Berlin'))).toBe(23);
    expect(hours(dayPeriod('2026-10-25', 'Europe/Berlin'))).toBe(25);
    expect(hours(dayPeriod('2026-11-01', 'America/New_York'))).toBe(25);
    expect(dayPeriod('2026-07-01', 'UTC').from).toEqual(new Date('2026-07-01T00:00:00Z'));
  });
});
