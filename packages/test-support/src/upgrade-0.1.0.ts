/**
 * The upgrade from 0.1.0 (one account, linked and synced at 07:00, then a notification at 07:10:05
 * whose sync never ran): simulators seeded to match, and the two scenarios with their assertions.
 * Core's file-store test and the Lambda adapter's DynamoDB test tell the same story; each brings only
 * how its 0.1.0 store is loaded.
 */
import { createSync, type StateStore, type Sync, type SyncConfig, type SyncReport } from '@wg-sync/core';
import { garminLogin } from '@wg-sync/garmin';
import {
  createClock,
  type GarminSim,
  type SimClock,
  type SimWeighIn,
  startGarminSim,
  startWithingsSim,
  type WithingsSim,
} from '@wg-sync/testkit';
import { expect } from 'vitest';
import { onCleanup } from './cleanup.js';
import { FORM } from './helpers.js';
import { ANA, collectLogs } from './world.js';

/** The Withings user 0.1.0 linked. */
const UPGRADE_USER = '37012345';
const LINKED_AT = new Date('2026-03-02T07:00:00.000Z');
const FIXTURE_CURSOR = 1_772_434_800;
/** When the current version first runs on the old store. */
const UPGRADE_NOW = new Date('2026-03-02T07:40:00.000Z');

interface Seed {
  weighIn: SimWeighIn;
  /** The Withings group ids 0.1.0's ledger holds for it (Body Cardio: three groups, one weigh-in). */
  groupIds: string[];
}
const W1: Seed = {
  weighIn: {
    takenAt: new Date('2026-02-26T06:30:12Z'),
    arrivedAt: new Date('2026-02-26T06:31:00Z'),
    weightKg: 78.4,
  },
  groupIds: ['6120500000'],
};
/** Uploaded by 0.1.0, since deleted in Garmin: only the ledger keeps it from coming back. */
const W2: Seed = {
  weighIn: {
    takenAt: new Date('2026-02-27T06:41:05Z'),
    arrivedAt: new Date('2026-02-27T06:42:00Z'),
    weightKg: 78.1,
    fatPercent: 21.3,
    fatMassKg: 16.64,
    muscleMassKg: 58.2,
    hydrationKg: 44.9,
    boneMassKg: 3.12,
  },
  groupIds: ['6120500001'],
};
const W3: Seed = {
  weighIn: {
    takenAt: new Date('2026-02-28T06:35:40Z'),
    arrivedAt: new Date('2026-02-28T06:37:00Z'),
    weightKg: 77.9,
    fatPercent: 21.0,
    fatMassKg: 16.36,
    muscleMassKg: 58.3,
    hydrationKg: 45.0,
    boneMassKg: 3.13,
    heartRate: 61,
    pulseWaveVelocity: 6.8,
    layout: 'body-cardio',
  },
  groupIds: ['6120500002', '6120500003', '6120500004'],
};
const BLOOD_PRESSURE = {
  takenAt: new Date('2026-02-28T07:10:00Z'),
  systolic: 121,
  diastolic: 79,
  heartRate: 64,
};
const BLOOD_PRESSURE_GROUP = '6120500005';
/** What the pending notification announced (arrived 07:10, never synced). */
const W4: Seed = {
  weighIn: {
    takenAt: new Date('2026-03-02T07:08:30Z'),
    arrivedAt: new Date('2026-03-02T07:10:00Z'),
    weightKg: 77.6,
    fatPercent: 20.9,
  },
  groupIds: ['6120500006'],
};
/** Made after the upgrade. */
const W5: Seed = {
  weighIn: {
    takenAt: new Date('2026-03-02T07:35:00Z'),
    arrivedAt: new Date('2026-03-02T07:36:00Z'),
    weightKg: 77.5,
  },
  groupIds: ['6120600001'],
};
const OLD_GROUPS = [...W1.groupIds, ...W2.groupIds, ...W3.groupIds, BLOOD_PRESSURE_GROUP];

/** Opens the 0.1.0 store on the given clock (a file-store directory, a DynamoDB table). */
export type OpenUpgradeStore = (now: () => Date) => StateStore;

export interface UpgradeWorld {
  /** The store, on the simulators' clock (leases and debounce windows expire on it). */
  store: StateStore;
  /** The same store opened again, as a second process would. */
  reopen(): StateStore;
  withings: WithingsSim;
  garmin: GarminSim;
  clock: SimClock;
  /** An engine of the current version on `store` (call again for a second process), options changed by `overrides`. */
  engine(store: StateStore, overrides?: Partial<SyncConfig>): Sync;
  /** Stored tokens the engine presented upstream (the fixture's, translated for the simulators). */
  presented: Set<string>;
  /** The access tokens the fixture holds (Withings, Garmin). */
  storedAccessTokens: string[];
}

/** Puts a weigh-in on the scale under the group ids the fixture's ledger names. */
function seedWithings(withings: WithingsSim, seed: Seed): void {
  const scratch = withings.addUser();
  withings.addWeighIn(scratch, { ...seed.weighIn, notify: false });
  const groups = withings.groups(scratch);
  expect(groups).toHaveLength(seed.groupIds.length);
  for (const [i, group] of groups.entries()) {
    withings.addGroup(UPGRADE_USER, { ...group, grpid: Number(seed.groupIds[i]) });
  }
}

/** What 0.1.0 left upstream: every weigh-in in Withings (and W5, new); W1 and W3 in Garmin. */
function seedUpstream(withings: WithingsSim, garmin: GarminSim): void {
  withings.addUser({ userId: UPGRADE_USER, timeZone: ANA.timeZone });
  for (const seed of [W1, W2, W3]) seedWithings(withings, seed);
  const scratch = withings.addUser();
  withings.addBloodPressure(scratch, { ...BLOOD_PRESSURE, notify: false });
  for (const group of withings.groups(scratch))
    withings.addGroup(UPGRADE_USER, { ...group, grpid: Number(BLOOD_PRESSURE_GROUP) });
  garmin.addWeighIn(ANA.email, { timestamp: W1.weighIn.takenAt, weightKg: 78.4 });
  garmin.addWeighIn(ANA.email, {
    timestamp: W3.weighIn.takenAt,
    weightKg: 77.9,
    fatPercent: 21,
    muscleMassKg: 58.3,
  });
  for (const seed of [W4, W5]) seedWithings(withings, seed);
}

/** A fetch that sends each issued token in place of the stored one it stands for, noting which it saw. */
function translatingFetch(swaps: Map<string, string>, presented: Set<string>): typeof fetch {
  const swap = (text: string) => {
    for (const [stored, issued] of swaps) {
      if (!text.includes(stored)) continue;
      presented.add(stored);
      text = text.replaceAll(stored, issued);
    }
    return text;
  };
  return (input, init) => {
    const headers = new Headers();
    for (const [name, value] of new Headers(init?.headers)) headers.set(name, swap(value));
    const body = init?.body;
    const swapped =
      typeof body === 'string'
        ? swap(body)
        : body instanceof URLSearchParams
          ? new URLSearchParams(swap(body.toString()))
          : body;
    return fetch(input, { ...init, headers, ...(swapped === undefined ? {} : { body: swapped }) });
  };
}

/**
 * Simulators that hold what 0.1.0 left upstream: Withings has every weigh-in (and W5, new), Garmin
 * holds W1 and W3 but not W2 (deleted there) and no blood pressure (its reading would come back).
 * The simulators cannot be told about tokens they did not issue, so the engine's fetch swaps each
 * stored token for one they issued to the same user: the fixture's tokens are what the engine reads
 * and sends.
 */
export async function upgradeWorld(open: OpenUpgradeStore): Promise<UpgradeWorld> {
  const clock = createClock(LINKED_AT);
  const reopen = () => open(() => clock.now());
  const store = reopen();
  const withings = await startWithingsSim({ clock });
  onCleanup(() => withings.close());
  const garmin = await startGarminSim({ accounts: [{ ...ANA }], clock });
  onCleanup(() => garmin.close());
  seedUpstream(withings, garmin);
  clock.set(UPGRADE_NOW);

  type StoredTokens = { accessToken: string; refreshToken: string };
  const storedWithings = (await store.get<StoredTokens>(`withings/${UPGRADE_USER}/tokens`))?.value;
  const storedGarmin = (await store.get<StoredTokens>(`garmin/${UPGRADE_USER}/session`))?.value;
  if (!storedWithings || !storedGarmin) throw new Error('the fixture has no tokens');
  const fresh = withings.issueTokens(UPGRADE_USER);
  const session = await garminLogin({ email: ANA.email, password: ANA.password, urls: garmin.urls });
  const presented = new Set<string>();
  const translating = translatingFetch(
    new Map([
      [storedWithings.accessToken, fresh.accessToken],
      [storedWithings.refreshToken, fresh.refreshToken],
      [storedGarmin.accessToken, session.accessToken],
      [storedGarmin.refreshToken, session.refreshToken],
    ]),
    presented,
  );
  const engine = (engineStore: StateStore, overrides: Partial<SyncConfig> = {}) =>
    createSync({
      withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
      garmin: { urls: garmin.urls, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 20 } },
      store: engineStore,
      readBack: { attempts: 3, delayMs: 5 },
      logger: collectLogs().logger,
      bloodPressure: true,
      now: () => clock.now(),
      fetch: translating,
      ...overrides,
    });
  const storedAccessTokens = [storedWithings.accessToken, storedGarmin.accessToken];
  return { store, reopen, withings, garmin, clock, engine, presented, storedAccessTokens };
}

/** Garmin's weigh-ins at `seed`'s instant: exactly one once synced, none for W2. */
const heldAt = (garmin: GarminSim, seed: Seed) =>
  garmin.weighIns(ANA.email).filter((w) => w.timestampGMT === seed.weighIn.takenAt.getTime()).length;

/** A notification through the handler, as Withings sends it; resolves with the sync it started. */
async function notify(sync: Sync, seed: Seed): Promise<SyncReport | undefined> {
  const start = Math.floor(seed.weighIn.takenAt.getTime() / 1000);
  const running: Promise<unknown>[] = [];
  const answer = await sync.handler(
    new Request('http://127.0.0.1/webhook/withings', {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({
        userid: UPGRADE_USER,
        appli: '1',
        startdate: String(start),
        enddate: String(start + 1),
      }),
    }),
    { waitUntil: (promise) => void running.push(promise) },
  );
  expect(answer.status).toBe(200);
  return (await Promise.all(running))[0] as SyncReport | undefined;
}

async function expectUpgradedOnce(world: UpgradeWorld, store: StateStore): Promise<void> {
  const { garmin } = world;
  expect([W1, W3, W4, W5].map((seed) => heldAt(garmin, seed))).toEqual([1, 1, 1, 1]);
  expect(heldAt(garmin, W2)).toBe(0);
  expect(garmin.weighIns(ANA.email)).toHaveLength(4);
  expect(garmin.bloodPressures(ANA.email)).toEqual([]);
  const ledger = (await store.list<{ takenAt?: string }>(`ledger/${UPGRADE_USER}/`)).map((e) => e.key);
  for (const id of [...OLD_GROUPS, ...W4.groupIds, ...W5.groupIds])
    expect(ledger).toContain(`ledger/${UPGRADE_USER}/${id}`);
  expect(
    (await store.get<{ lastUpdate: number }>(`cursor/${UPGRADE_USER}`))?.value.lastUpdate,
  ).toBeGreaterThan(FIXTURE_CURSOR);
  expect(await store.get(`pending/${UPGRADE_USER}`)).toBeUndefined();
}

/**
 * The upgrade's first notification drains the pending one and syncs the new weigh-in, once each; a
 * full sync after it uploads nothing the old ledger already holds.
 */
export async function expectSyncedOnAfterUpgrade(world: UpgradeWorld): Promise<void> {
  const { store } = world;
  const sync = world.engine(store);
  // Edited in Withings since: read again, and only the old ledger knows Garmin had it.
  world.withings.updateGroup(W2.groupIds[0] as string, { attrib: 0 }, false);
  const report = await notify(sync, W5);
  expect(report?.failed).toEqual([]);
  expect(report?.synced.map((s) => s.takenAt).sort()).toEqual(
    [W4, W5].map((seed) => seed.weighIn.takenAt.toISOString()),
  );
  await expectUpgradedOnce(world, store);
  for (const token of world.storedAccessTokens) expect(world.presented).toContain(token);
  expect((await store.get<{ lastSuccessAt?: string }>(`health/${UPGRADE_USER}`))?.value.lastSuccessAt).toBe(
    UPGRADE_NOW.toISOString(),
  );

  const uploads = world.garmin.uploads().length;
  const again = await sync.syncRecent({ days: 30 });
  expect(again.failed).toEqual([]);
  expect(again.synced).toEqual([]);
  expect(world.garmin.uploads()).toHaveLength(uploads);
  await expectUpgradedOnce(world, store);
}

/** Two processes of the current version, syncing the old store at the same time, upload each weigh-in once. */
export async function expectSyncedOnceByTwoProcesses(world: UpgradeWorld): Promise<void> {
  const { store } = world;
  const first = world.engine(store);
  const second = world.engine(world.reopen());
  await Promise.all([first.syncRecent({ days: 30 }), notify(second, W5), second.syncRecent({ days: 30 })]);
  const settle = await first.syncRecent({ days: 30 });
  expect(settle.failed).toEqual([]);
  await expectUpgradedOnce(world, store);
}

/**
 * With `syncDeletions` turned on over the old store (which has no index of recent weigh-ins): the
 * first sync uploads only what is new and builds the index from the old ledger; deletions made in
 * Withings after that are followed for weigh-ins 0.1.0 uploaded too (its entries hold no Garmin
 * `calendarDate`: one list finds it). W2, which 0.1.0 uploaded and a person deleted in Garmin, is
 * found gone, and both are tombstoned: nothing comes back.
 */
export async function expectDeletionsFollowedAfterUpgrade(world: UpgradeWorld): Promise<void> {
  const { store, garmin, withings } = world;
  const sync = world.engine(store, { syncDeletions: true });
  const first = await sync.syncRecent({ days: 30 });
  expect(first.failed).toEqual([]);
  expect(first.deleted).toEqual([]);
  expect(first.edited).toEqual([]);
  expect(first.destinations.garmin?.deletionCheck).toMatchObject({ checked: false, reason: 'first-run' });
  expect(first.synced.map((s) => s.takenAt).sort()).toEqual(
    [W4, W5].map((seed) => seed.weighIn.takenAt.toISOString()),
  );
  await expectUpgradedOnce(world, store);

  withings.deleteGroup(W1.groupIds[0] as string, false);
  withings.deleteGroup(W2.groupIds[0] as string, false);
  const second = await sync.syncRecent();
  expect(second.failed).toEqual([]);
  expect(second.destinations.garmin?.deletionCheck).toMatchObject({ checked: true });
  expect(second.deleted.map((d) => [d.takenAt, d.alreadyGone ?? false])).toEqual([
    [W1.weighIn.takenAt.toISOString(), false],
    [W2.weighIn.takenAt.toISOString(), true],
  ]);
  expect([W1, W2, W3, W4, W5].map((seed) => heldAt(garmin, seed))).toEqual([0, 0, 1, 1, 1]);
  for (const id of [...W1.groupIds, ...W2.groupIds]) {
    const entry = await store.get<{ deletedAt?: string }>(`ledger/${UPGRADE_USER}/${id}`);
    expect(entry?.value.deletedAt).toEqual(expect.any(String));
  }
  const uploads = garmin.uploads().length;
  const third = await sync.syncRecent({ days: 30 });
  expect(third.failed).toEqual([]);
  expect(third.synced).toEqual([]);
  expect(third.deleted).toEqual([]);
  expect(garmin.uploads()).toHaveLength(uploads);
  expect(garmin.weighIns(ANA.email)).toHaveLength(3);
}
