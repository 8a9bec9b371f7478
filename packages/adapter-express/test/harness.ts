import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sync, SyncConfig } from '@wg-sync/core';
import { FORM, onCleanup, linkedWorld as sharedWorld } from '@wg-sync/test-support';
import type { GarminSim, WithingsSim } from '@wg-sync/testkit';

export { FORM, minutesAgo, notification, onCleanup, until } from '@wg-sync/test-support';

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

export async function linkedWorld(config: Partial<SyncConfig> = {}): Promise<World> {
  const { withings, garmin, sync, userId, email, logs } = await sharedWorld({
    retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 10 },
    config,
  });
  return { withings, garmin, sync, userId, email, logs };
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

/** Fetch options that give up after 5 s. */
export const timeout = () => ({ signal: AbortSignal.timeout(5000) });

/** POSTs `body` to `url` (a form unless `headers` say otherwise), giving up after 5 s. */
export const post = (url: string, body: string, headers: Record<string, string> = FORM) =>
  fetch(url, { method: 'POST', headers, body, ...timeout() });
