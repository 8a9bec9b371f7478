import { readFileSync } from 'node:fs';
import { afterEach } from 'vitest';
import { type GarminSim, type GarminSimOptions, startGarminSim } from '../src/index.js';

/** A parsed JSON answer, read loosely: these tests check shapes and values, not types. */
// biome-ignore lint/suspicious/noExplicitAny: simulator answers are plain JSON read field by field in tests
export type Json = Record<string, any>;

export const EMAIL = 'user@example.com';
export const PASSWORD = 'correct horse battery staple';
export const ANDROID = 'https://mobile.integration.garmin.com/gcm/android';
export const SERVICE_TICKET_GRANT =
  'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket';
export const CLIENT_ID = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2';

/**
 * The Garmin client's constructed fixtures (`packages/garmin/test/fixtures`, provenance in its SOURCES.md), read
 * in place rather than copied, so the simulator is held to the very shapes the client is tested on. Reading a
 * file is not importing the client: the simulator still implements the protocol on its own.
 */
const GARMIN_FIXTURES = new URL('../../garmin/test/fixtures/', import.meta.url);

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, GARMIN_FIXTURES)));
}
export function fixtureText(name: string): string {
  return readFileSync(new URL(name, GARMIN_FIXTURES), 'utf8');
}

const running: GarminSim[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

export async function useSim(options: GarminSimOptions = {}): Promise<GarminSim> {
  const sim = await startGarminSim(options);
  running.push(sim);
  return sim;
}

/** A simulator closed after the test, a raw client for it, and an access token from a real login and exchange. */
export async function signedInSim(options: GarminSimOptions = {}) {
  const sim = await useSim(options);
  const raw = rawClient(sim);
  const { access_token } = await raw.accessToken();
  return { sim, raw, access_token };
}

/** Every key path of a JSON value (`a.b`, `a.list[].c`), ignoring `_annotations`. */
export function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value))
    return [...new Set(value.flatMap((item) => keyPaths(item, `${prefix}[]`)))].sort();
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value)
    .filter(([key]) => !key.startsWith('_'))
    .flatMap(([key, child]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      return [path, ...keyPaths(child, path)];
    })
    .sort();
}

/** A raw client for the simulator: just fetch, so the simulator is tested without our Garmin client. */
export function rawClient(sim: GarminSim) {
  const query = (service = ANDROID) =>
    new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', locale: 'en-US', service }).toString();
  return {
    query,
    /** Visits the sign-in page, as the recorded logins did: its cookies carry the SSO session. */
    async session() {
      const page = await fetch(`${sim.url}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK`);
      await page.text();
      return page.headers
        .getSetCookie()
        .map((line) => line.split(';')[0])
        .join('; ');
    },
    /** Sign-in page, then the JSON login on its cookies; `cookie` is the session (for MFA). */
    async login(email = EMAIL, password = PASSWORD, service = ANDROID) {
      const cookie = await this.session();
      const response = await fetch(`${sim.url}/mobile/api/login?${query(service)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ username: email, password, rememberMe: false, captchaToken: '' }),
      });
      return { response, body: (await response.json()) as Json, cookie };
    },
    async verify(code: string, cookie: string | undefined, service = ANDROID) {
      const response = await fetch(`${sim.url}/mobile/api/mfa/verifyCode?${query(service)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({
          mfaMethod: 'email',
          mfaVerificationCode: code,
          rememberMyBrowser: false,
          reconsentList: [],
          mfaSetup: false,
        }),
      });
      return { response, body: (await response.json()) as Json };
    },
    async token(form: Record<string, string>, clientId = form.client_id ?? CLIENT_ID, basic = true) {
      const response = await fetch(`${sim.url}/di-oauth2-service/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(basic ? { authorization: `Basic ${Buffer.from(`${clientId}:`).toString('base64')}` } : {}),
        },
        body: new URLSearchParams(form),
      });
      return { response, body: (await response.json()) as Json };
    },
    /** A token request that is not a form (to check the Content-Type rule). */
    form(body: string) {
      return fetch(`${sim.url}/di-oauth2-service/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:`).toString('base64')}`,
        },
        body,
      });
    },
    async exchange(ticket: string, service = ANDROID, clientId = CLIENT_ID) {
      return this.token({
        client_id: clientId,
        service_ticket: ticket,
        grant_type: SERVICE_TICKET_GRANT,
        service_url: service,
      });
    },
    /** Logs in and exchanges: an access token for the API. */
    async accessToken(email = EMAIL, password = PASSWORD) {
      const { body } = await this.login(email, password);
      const { body: tokens } = await this.exchange(body.serviceTicketId);
      return tokens as { access_token: string; refresh_token: string };
    },
    api(token: string, path: string, init: RequestInit = {}) {
      return fetch(`${sim.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      });
    },
    /** A blood-pressure reading POSTed as JSON, as the client writes one. */
    postBloodPressure(token: string, body: Json) {
      return this.api(token, '/bloodpressure-service/bloodpressure', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    upload(token: string, bytes: Uint8Array, filename = 'weight.fit', field = 'file') {
      const form = new FormData();
      form.append(field, new Blob([new Uint8Array(bytes)]), filename);
      return this.api(token, '/upload-service/upload', { method: 'POST', body: form });
    },
  };
}
