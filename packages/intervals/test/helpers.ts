import { type IntervalsSim, type IntervalsSimOptions, startIntervalsSim } from '@wg-sync/testkit';
import { afterEach, expect } from 'vitest';
import { IntervalsApiError, IntervalsClient, type IntervalsClientOptions } from '../src/index.js';

const running: IntervalsSim[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** A simulator (one athlete by default), closed after the test. */
export async function startSim(options: IntervalsSimOptions = {}): Promise<IntervalsSim> {
  const sim = await startIntervalsSim(options);
  running.push(sim);
  return sim;
}

/** A client for the simulator's first athlete; retries wait 1 ms so tests stay fast. */
export function clientFor(sim: IntervalsSim, extra: Partial<IntervalsClientOptions> = {}): IntervalsClient {
  return new IntervalsClient({ apiKey: sim.athlete.apiKey, baseUrl: sim.url, retryDelayMs: 1, ...extra });
}

/** The IntervalsApiError a call rejects with (the test fails if it resolves or throws anything else). */
export async function failure(promise: Promise<unknown>): Promise<IntervalsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntervalsApiError);
  return error as IntervalsApiError;
}
