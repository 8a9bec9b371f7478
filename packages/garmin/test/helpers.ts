import { readFileSync } from 'node:fs';
import { type GarminSim, type GarminSimOptions, startGarminSim } from '@wg-sync/testkit';
import { afterEach } from 'vitest';
import { GarminClient, type GarminClientOptions, type GarminTokens, garminLogin } from '../src/index.js';

export const EMAIL = 'user@example.com';
export const PASSWORD = 'correct horse battery staple';

/** A fixture from `test/fixtures/` (our own, constructed after public shapes: see fixtures/SOURCES.md). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
}

/** Retries that never make a test wait. */
export const FAST_RETRY = { retries: 3, baseDelayMs: 1, maxDelayMs: 100 };

const running: GarminSim[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** A Garmin simulator closed after the current test. */
export async function useSim(options: GarminSimOptions = {}): Promise<GarminSim> {
  const sim = await startGarminSim(options);
  running.push(sim);
  return sim;
}

/** Logs in to the simulator the real way and returns the tokens. */
export function login(sim: GarminSim, email = EMAIL, password = PASSWORD): Promise<GarminTokens> {
  return garminLogin({ email, password, urls: sim.urls, mfa: async () => sim.lastMfaCode(email) ?? '' });
}

/** A client on fresh tokens from the simulator. */
export async function clientFor(
  sim: GarminSim,
  options: Partial<GarminClientOptions> = {},
  email = EMAIL,
  password = PASSWORD,
): Promise<GarminClient> {
  const tokens = await login(sim, email, password);
  return new GarminClient({ tokens, urls: sim.urls, retry: FAST_RETRY, ...options });
}

/** The requests the simulator saw for a path (RegExp on the path). */
export function requestsTo(sim: GarminSim, path: RegExp, method?: string) {
  return sim.requests.filter((r) => path.test(r.path) && (method === undefined || r.method === method));
}

/** Runs `promise`, expecting it to fail; returns the error. */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** What a synchronous call throws (the test fails if it returns). */
export function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** A fresh service ticket from the simulator's JSON login (as any sign-in would produce). */
export async function ticketFrom(
  sim: GarminSim,
  service = 'https://mobile.integration.garmin.com/gcm/android',
): Promise<string> {
  const query = new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', locale: 'en-US', service });
  // The sign-in page first: the simulator, like the recorded logins, ties the login to its cookies.
  const page = await fetch(`${sim.url}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK`);
  await page.text();
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const response = await fetch(`${sim.url}/mobile/api/login?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ username: EMAIL, password: PASSWORD, rememberMe: false, captchaToken: '' }),
  });
  const body = (await response.json()) as { serviceTicketId: string };
  return body.serviceTicketId;
}
