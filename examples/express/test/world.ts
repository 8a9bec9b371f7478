import { createSync, memoryStore, type StateStore, silentLogger } from '@wg-sync/core';
import { garminLogin } from '@wg-sync/garmin';
import { type GarminSim, startGarminSim, startWithingsSim, type WithingsSim } from '@wg-sync/testkit';
import { afterEach } from 'vitest';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Runs `cleanup` after the current test, last registered first. */
export function onCleanup(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

/** Both simulators and one account linked in a store (Withings user → Garmin account). */
export interface World {
  withings: WithingsSim;
  garmin: GarminSim;
  userId: string;
  /** The Garmin account's e-mail. */
  email: string;
}

const EMAIL = 'ana@example.com';
const PASSWORD = 'pw-ana-123456';

/**
 * Starts both simulators (closed after the test) and links one account in `store` (default: a
 * memory store), so that a server given the same store and the simulators' URLs can sync for it.
 */
export async function linkedWorld(options: { store?: StateStore } = {}): Promise<World> {
  const withings = await startWithingsSim();
  const garmin = await startGarminSim({
    accounts: [{ email: EMAIL, password: PASSWORD, timeZone: 'Europe/Berlin' }],
  });
  onCleanup(() => withings.close());
  onCleanup(() => garmin.close());
  const sync = createSync({
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls },
    store: options.store ?? memoryStore(),
    logger: silentLogger,
  });
  const userId = withings.addUser({ timeZone: 'Europe/Berlin' });
  const garminTokens = await garminLogin({ email: EMAIL, password: PASSWORD, urls: garmin.urls });
  await sync.accounts.link({ withings: withings.issueTokens(userId), garmin: garminTokens });
  return { withings, garmin, userId, email: EMAIL };
}

/** A Withings notification body for `userId`, covering the last five minutes. */
export function notification(userId: string): string {
  const now = Math.floor(Date.now() / 1000);
  return new URLSearchParams({
    userid: userId,
    appli: '1',
    startdate: String(now - 300),
    enddate: String(now),
  }).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** Polls until `check` holds, failing after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
