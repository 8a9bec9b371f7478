import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSync, memoryStore, type Sync, type SyncConfig } from '@wg-sync/core';
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

/** Both simulators, an engine over a memory store, and one linked account. */
export interface World {
  withings: WithingsSim;
  garmin: GarminSim;
  sync: Sync;
  userId: string;
  email: string;
  /** Everything the engine logged, one JSON line each. */
  logs: string[];
}

const EMAIL = 'ana@example.com';
const PASSWORD = 'pw-ana-123456';

export async function linkedWorld(config: Partial<SyncConfig> = {}): Promise<World> {
  const withings = await startWithingsSim();
  const garmin = await startGarminSim({
    accounts: [{ email: EMAIL, password: PASSWORD, timeZone: 'Europe/Berlin' }],
  });
  onCleanup(() => withings.close());
  onCleanup(() => garmin.close());
  const logs: string[] = [];
  const line = (level: string) => (event: string, fields?: object) =>
    void logs.push(JSON.stringify({ level, event, ...fields }));
  const sync = createSync({
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 10 } },
    store: memoryStore(),
    readBack: { attempts: 3, delayMs: 5 },
    logger: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
    ...config,
  });
  const userId = withings.addUser({ timeZone: 'Europe/Berlin' });
  const garminTokens = await garminLogin({ email: EMAIL, password: PASSWORD, urls: garmin.urls });
  await sync.accounts.link({ withings: withings.issueTokens(userId), garmin: garminTokens });
  return { withings, garmin, sync, userId, email: EMAIL, logs };
}

/** Listens on 127.0.0.1 with a free port; closed (connections included) after the test. */
export async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A Withings notification body for `userId`, covering the last five minutes. */
export function notification(userId: string, appli = 1): string {
  const now = Math.floor(Date.now() / 1000);
  return new URLSearchParams({
    userid: userId,
    appli: String(appli),
    startdate: String(now - 300),
    enddate: String(now),
  }).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Fetch options that give up after 5 s. */
export const timeout = () => ({ signal: AbortSignal.timeout(5000) });

/** POSTs `body` to `url` (a form unless `headers` say otherwise), giving up after 5 s. */
export const post = (url: string, body: string, headers: Record<string, string> = FORM) =>
  fetch(url, { method: 'POST', headers, body, ...timeout() });

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** Polls until `check` holds, failing after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
