import { describe, expect, it } from 'vitest';
import { isDay, wellnessDay } from '../src/index.js';

// Runs once per host time zone (vitest.config.ts): the host's zone must never decide the day.
describe('wellnessDay and isDay', () => {
  it("gives the day in the athlete's time zone, not the host's", () => {
    const lateEvening = new Date('2026-11-20T23:30:00Z');
    expect(wellnessDay(lateEvening, 'UTC')).toBe('2026-11-20');
    expect(wellnessDay(lateEvening, 'Europe/Paris')).toBe('2026-11-21');
    expect(wellnessDay(new Date('2026-11-21T03:00:00Z'), 'America/Los_Angeles')).toBe('2026-11-20');
    expect(wellnessDay(new Date('2026-11-20T19:00:00Z'), 'Pacific/Kiritimati')).toBe('2026-11-21');
  });

  it('refuses an invalid date or zone', () => {
    expect(() => wellnessDay(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
    expect(() => wellnessDay(new Date(), 'Mars/Olympus')).toThrow(/IANA/);
  });

  it('isDay accepts only real calendar days', () => {
    expect(['2024-02-29', '2026-12-31'].every(isDay)).toBe(true);
    expect(['2026-02-29', '2026-00-10', '2026-11-31', 20261120, null].some(isDay)).toBe(false);
  });
});
