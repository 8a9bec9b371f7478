import { describe, expect, it } from 'vitest';
import { exchangeServiceTicket, GARMIN_DI_CLIENT_IDS, garminLogin, garminServiceUrl } from '../src/index.js';
import { EMAIL, failure, PASSWORD, requestsTo, ticketFrom, useSim } from './helpers.js';

const TOKEN = /oauth\/token/;
const idsTried = (sim: Parameters<typeof requestsTo>[0]) =>
  requestsTo(sim, TOKEN).map((r) => new URLSearchParams(r.body).get('client_id'));
const STALE = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3';
const GOOD = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2';

describe('DI client ids: an ordered, user-changeable list (protocol §10)', () => {
  it('GARMIN_DI_CLIENT_IDS puts the newest first, then the ids seen in real traffic', () => {
    expect(GARMIN_DI_CLIENT_IDS).toEqual([
      'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3',
      'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q2',
      'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q1',
      'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q4',
      'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
      'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4',
      'GARMIN_CONNECT_MOBILE_ANDROID_DI',
      'GARMIN_CONNECT_MOBILE_IOS_DI',
    ]);
    expect(Object.isFrozen(GARMIN_DI_CLIENT_IDS)).toBe(true);
  });

  it('garminLogin({ clientIds }) tries the caller’s ids in order: a stale id (invalid_client) falls through to the next', async () => {
    const sim = await useSim({ clientIds: ['WG_TEST_DI_GOOD'] });
    const tokens = await garminLogin({
      email: EMAIL,
      password: PASSWORD,
      urls: sim.urls,
      clientIds: ['WG_TEST_DI_RETIRED', 'WG_TEST_DI_GOOD', 'WG_TEST_DI_NEVER_TRIED'],
    });
    expect(tokens.clientId).toBe('WG_TEST_DI_GOOD');
    expect(idsTried(sim)).toEqual(['WG_TEST_DI_RETIRED', 'WG_TEST_DI_GOOD']);
    expect(requestsTo(sim, TOKEN).map((r) => r.status)).toEqual([401, 200]);
  });

  it('with the default list, a rotated-out newest id costs one refusal, then the next id works', async () => {
    const sim = await useSim({ clientIds: GARMIN_DI_CLIENT_IDS.slice(1) });
    const tokens = await exchangeServiceTicket(await ticketFrom(sim), {
      serviceUrl: garminServiceUrl(),
      urls: sim.urls,
    });
    expect(tokens.clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q2');
    expect(idsTried(sim)).toEqual(GARMIN_DI_CLIENT_IDS.slice(0, 2));
  });

  it('a refusal that spent the ticket stops the fallback: REAUTH_REQUIRED naming the ids, two requests only', async () => {
    const sim = await useSim({ clientIds: [GOOD], refusalSpendsTicket: true });
    const error = await failure(
      garminLogin({
        email: EMAIL,
        password: PASSWORD,
        urls: sim.urls,
        clientIds: [STALE, GOOD, 'GARMIN_CONNECT_MOBILE_ANDROID_DI'],
      }),
    );
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(error.message).toContain(`DI client id ${GOOD}`); // the id whose exchange Garmin refused
    expect(error.message).toContain(`${STALE}: HTTP 401 invalid_client`); // and the one that spent it
    expect(error.message).toMatch(/invalid_grant/);
    expect(error.message).toMatch(/sign in again/);
    expect(requestsTo(sim, TOKEN)).toHaveLength(2);
    expect(requestsTo(sim, /userprofile-service/)).toHaveLength(0);
    for (const secret of sim.secrets()) expect(error.message).not.toContain(secret);
  });

  it('invalid_grant on the first id (a spent ticket) stops at once: one request, not one per id', async () => {
    const sim = await useSim();
    const ticket = await ticketFrom(sim);
    await exchangeServiceTicket(ticket, { serviceUrl: garminServiceUrl(), urls: sim.urls });
    const before = requestsTo(sim, TOKEN).length;
    const error = await failure(
      exchangeServiceTicket(ticket, { serviceUrl: garminServiceUrl(), urls: sim.urls }),
    );
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(error.status).toBe(400);
    expect(error.message).toContain(`DI client id ${GARMIN_DI_CLIENT_IDS[0]}`);
    expect(error.message).not.toContain(ticket);
    expect(requestsTo(sim, TOKEN).length - before).toBe(1);
  });

  it('a 5xx during the exchange stops too (the ticket’s fate is unknown): UPSTREAM after one request', async () => {
    const sim = await useSim();
    const ticket = await ticketFrom(sim);
    sim.faults.add('server-error', 1, '/di-oauth2-service/oauth/token');
    const error = await failure(
      exchangeServiceTicket(ticket, { serviceUrl: garminServiceUrl(), urls: sim.urls }),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(requestsTo(sim, TOKEN)).toHaveLength(1);
  });

  it('no id accepted → REAUTH_REQUIRED saying where to put newer ids', async () => {
    const sim = await useSim({ clientIds: ['WG_TEST_DI_FUTURE'] });
    const error = await failure(
      exchangeServiceTicket(await ticketFrom(sim), {
        serviceUrl: garminServiceUrl(),
        urls: sim.urls,
        clientIds: ['WG_TEST_DI_A', 'WG_TEST_DI_B'],
      }),
    );
    expect(error.code).toBe('REAUTH_REQUIRED');
    expect(error.message).toContain(
      'WG_TEST_DI_A: HTTP 401 invalid_client, WG_TEST_DI_B: HTTP 401 invalid_client',
    );
    expect(error.message).toMatch(/clientIds \(WG_SYNC_GARMIN_CLIENT_IDS, --client-ids\)/);
    expect(error.message).toMatch(/sign in again/);
  });

  it('refuses an empty list or a malformed id before sending anything', async () => {
    const sim = await useSim();
    const ticket = 'ST-0000001-AbCdEfGhIjKlMnOpQrSt-sso';
    for (const clientIds of [[], ['has space'], ['ok', '']]) {
      await expect(
        exchangeServiceTicket(ticket, { serviceUrl: garminServiceUrl(), urls: sim.urls, clientIds }),
      ).rejects.toThrow(RangeError);
    }
    expect(sim.requests).toHaveLength(0);
  });
});
