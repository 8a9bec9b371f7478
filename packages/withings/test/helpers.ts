import { startWithingsSim, type WithingsSim, type WithingsSimOptions } from '@wg-sync/testkit';
import { afterEach, expect } from 'vitest';
import {
  WithingsApiError,
  WithingsClient,
  type WithingsClientOptions,
  WithingsNotificationError,
  type WithingsTokens,
} from '../src/index.js';

const running: WithingsSim[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** A simulator with one user, closed after the test. */
export async function simWithUser(options: WithingsSimOptions = {}) {
  const sim = await startWithingsSim(options);
  running.push(sim);
  const userId = sim.addUser();
  return { sim, userId };
}

/** A client pointed at the simulator, with an in-memory token store that records every pair it was given. */
export function clientFor(
  sim: WithingsSim,
  tokens: WithingsTokens,
  extra: Partial<WithingsClientOptions> = {},
) {
  const stored: WithingsTokens[] = [];
  const client = new WithingsClient({
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    baseUrl: sim.url,
    tokens,
    now: () => sim.clock.now(),
    onTokens: async (next) => {
      stored.push(next);
    },
    ...extra,
  });
  return { client, stored };
}

export const calls = (sim: WithingsSim, path: string, action?: string) =>
  sim.requests.filter(
    (r) => r.path === path && (!action || new URLSearchParams(r.body).get('action') === action),
  );

export const grantCalls = (sim: WithingsSim) => calls(sim, '/v2/oauth2', 'requesttoken');

/** The WithingsApiError a call rejects with (the test fails if it resolves or throws anything else). */
export async function failure(promise: Promise<unknown>): Promise<WithingsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WithingsApiError);
  return error as WithingsApiError;
}

/** The WithingsNotificationError `parse` throws (the test fails if it returns or throws anything else). */
export function notificationRefusal(parse: () => unknown): WithingsNotificationError {
  let caught: unknown;
  try {
    parse();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WithingsNotificationError);
  return caught as WithingsNotificationError;
}
