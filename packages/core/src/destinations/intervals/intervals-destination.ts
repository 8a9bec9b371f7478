import type { Engine } from '../../context.js';
import { type IntervalsCredentials, keys } from '../../store/state.js';
import type { Destination } from '../destination.js';
import { INTERVALS_DESTINATION_ID, intervalsSession } from './intervals-session.js';

export {
  INTERVALS_DESTINATION_ID,
  type IntervalsDayRecord,
  intervalsDayKey,
} from './intervals-session.js';

/** The `Authorization: Basic` value intervals.icu is called with: redacted like the key itself. */
const basicOf = (apiKey: string) => Buffer.from(`API_KEY:${apiKey}`).toString('base64');

/**
 * intervals.icu wellness, the second built-in destination: one record per day in the athlete's time
 * zone, holding the day's latest weight and body fat (and blood pressure with `bloodPressure: true`).
 * Used by the accounts that linked it (`wg-sync intervals link`, `accounts.setIntervals`); the others
 * sync as before. Built on `@wg-sync/intervals`, loaded on first use.
 */
export function intervalsDestination(engine: Engine): Destination {
  return {
    id: INTERVALS_DESTINATION_ID,
    name: 'intervals.icu',
    // What the client accepts (weight under 1000 kg); heavier fails as INVALID_VALUE, never sent.
    accepts: { bodyComposition: ['fatPercent'], bloodPressure: true, maxWeightKg: 999.99 },
    reauthHint: 'link it again: wg-sync intervals link',
    async open(account) {
      const stored = await engine.config.store.get<IntervalsCredentials>(
        keys.intervalsCredentials(account.userId),
      );
      if (!stored) return null;
      const { apiKey, athleteId } = stored.value;
      engine.redactor.add(apiKey, basicOf(apiKey));
      const intervals = await import('@wg-sync/intervals');
      const options = engine.config.intervals;
      const client = new intervals.IntervalsClient({
        apiKey,
        athleteId,
        fetch: account.fetch,
        ...(options?.baseUrl ? { baseUrl: options.baseUrl } : {}),
        ...(options?.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options?.retry?.retries === undefined ? {} : { retries: options.retry.retries }),
        ...(options?.retry?.delayMs === undefined ? {} : { retryDelayMs: options.retry.delayMs }),
      });
      return intervalsSession(engine, { client, days: intervals }, account);
    },
  };
}
