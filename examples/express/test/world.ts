import type { StateStore } from '@wg-sync/core';
import { linkedWorld as sharedWorld } from '@wg-sync/test-support';
import type { GarminSim, WithingsSim } from '@wg-sync/testkit';

export { FORM, minutesAgo, notification, onCleanup, until } from '@wg-sync/test-support';

/** Both simulators and one account linked in a store (Withings user → Garmin account). */
export interface World {
  withings: WithingsSim;
  garmin: GarminSim;
  userId: string;
  /** The Garmin account's e-mail. */
  email: string;
}

/**
 * Starts both simulators (closed after the test) and links one account in `store` (default: a
 * memory store), so that a server given the same store and the simulators' URLs can sync for it.
 */
export async function linkedWorld(options: { store?: StateStore } = {}): Promise<World> {
  const { withings, garmin, userId, email } = await sharedWorld(
    options.store ? { store: options.store } : {},
  );
  return { withings, garmin, userId, email };
}
