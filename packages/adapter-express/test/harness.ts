import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSync, memoryStore, type Sync, type SyncConfig } from '@wg-sync/core';
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

type GarminTokens = Parameters<Sync['accounts']['setGarmin']>[1];

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
const DI_CLIENT_ID = 'WG_SYNC_ADAPTER_TEST';
const SERVICE = 'https://mobile.integration.garmin.com/gcm/android';

export async function linkedWorld(config: Partial<SyncConfig> = {}): Promise<World> {
  const withings = await startWithingsSim();
  const garmin = await startGarminSim({
    accounts: [{ email: EMAIL, password: PASSWORD, timeZone: 'Europe/Berlin' }],
    clientIds: [DI_CLIENT_ID],
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
  await sync.accounts.link({ withings: withings.issueTokens(userId), garmin: await garminLogin(garmin) });
  return { withings, garmin, sync, userId, email: EMAIL, logs };
}

/**
 * Signs in to the Garmin simulator over its two HTTP steps (SSO login → service ticket → DI token).
 * Done by hand because @wg-sync/garmin is not a dependency of this package; the engine then uses
 * the tokens through its own Garmin client like any others.
 */
async function garminLogin(garmin: GarminSim): Promise<GarminTokens> {
  const query = new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', locale: 'en-US', service: SERVICE });
  const login = await fetch(`${garmin.urls.sso}/mobile/api/login?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: EMAIL, password: PASSWORD, rememberMe: false, captchaToken: '' }),
  });
  const { serviceTicketId } = (await login.json()) as { serviceTicketId: string };
  const exchange = await fetch(`${garmin.urls.diauth}/di-oauth2-service/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${DI_CLIENT_ID}:`).toString('base64')}`,
    },
    body: new URLSearchParams({
      client_id: DI_CLIENT_ID,
      grant_type: 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket',
      service_ticket: serviceTicketId,
      service_url: SERVICE,
    }),
  });
  if (exchange.status !== 200) throw new Error(`Garmin simulator sign-in failed: HTTP ${exchange.status}`);
  const tokens = (await exchange.json()) as {
    access_token: string;
    refresh_token: string;
    expires_in: number;
  };
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    clientId: DI_CLIENT_ID,
    expiresAt: new Date(Date.now() + tokens.expires_in * 1000),
    domain: 'garmin.com',
  };
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

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** Polls until `check` holds, failing after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
