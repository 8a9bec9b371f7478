import { garminLogin } from '@wg-sync/garmin';
import {
  ANA,
  afterCleanups,
  linkedWorld,
  minutesAgo,
  onCleanup,
  type LinkedWorld as SharedWorld,
} from '@wg-sync/test-support';
import { type GarminSim, type SimHttpServer, startHttpServer, type WithingsSim } from '@wg-sync/testkit';
import { expect } from 'vitest';
import {
  createSync,
  isSyncErrorCode,
  type LogLevel,
  type StateStore,
  type Sync,
  type SyncAlert,
  type SyncConfig,
} from '../src/index.js';

export { minutesAgo };

/** Every failure code a harness engine reported in the current test (`SyncReport.failed`, reconcile). */
const emittedCodes: Array<{ code: string; where: string }> = [];
// After the cleanups, which flush debounced syncs: their reports count for the test that started them.
afterCleanups(() => {
  // Every scenario doubles as a check of the closed code union: nothing outside it may reach a report.
  const unknown = emittedCodes.splice(0).filter(({ code }) => !isSyncErrorCode(code));
  if (unknown.length > 0) {
    throw new Error(`codes outside SYNC_ERROR_CODES were reported: ${JSON.stringify(unknown)}`);
  }
});

/** The config's hooks, plus one that records the failure codes of every report. */
function recordingHooks(hooks: SyncConfig['hooks']): SyncConfig['hooks'] {
  return {
    ...hooks,
    onReport: async (report) => {
      for (const f of report.failed) emittedCodes.push({ code: f.code, where: `${report.trigger} sync` });
      await hooks?.onReport?.(report);
    },
  };
}

/** Records the failure codes of every reconcile the engine runs. */
function recordingReconciles(sync: Sync): Sync {
  const reconcile = sync.reconcile.bind(sync);
  sync.reconcile = async () => {
    const report = await reconcile();
    for (const f of report.failures) emittedCodes.push({ code: f.code, where: `reconcile ${f.step}` });
    return report;
  };
  return sync;
}

export interface Harness {
  withings: WithingsSim;
  garmin: GarminSim;
  store: StateStore;
  sync: Sync;
  /** Another engine over the same store (a second process). */
  another(overrides?: Partial<SyncConfig>): Sync;
  userId: string;
  email: string;
  alerts: SyncAlert[];
  logs: string[];
  /** The state directory when `store: 'file'`. */
  stateDir?: string;
  /** Config used by `sync`, to build more instances. */
  config: SyncConfig;
}

export interface HarnessOptions {
  store?: 'memory' | 'file';
  config?: Partial<SyncConfig>;
  timeZone?: string;
  logLevel?: LogLevel;
  /** Groups per getmeas page of the Withings simulator (default 100). */
  pageSize?: number;
}

/** Both simulators on loopback, a store, one linked account (Withings user → Garmin account), and the engine. */
export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const alerts: SyncAlert[] = [];
  const world: SharedWorld = await linkedWorld({
    withings: {
      delivery: { retryDelaysMs: [0, 0], dropAfterFailures: 2 },
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    },
    store: options.store ?? 'memory',
    tempPrefix: 'wg-sync-core-',
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 50 },
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    config: {
      ...options.config,
      hooks: recordingHooks(options.config?.hooks ?? { onAlert: (alert) => void alerts.push(alert) }),
    },
  });
  const { withings, garmin, store, config, userId, logs, stateDir } = world;
  const sync = recordingReconciles(world.sync);
  return {
    withings,
    garmin,
    store,
    sync,
    another: (overrides = {}) => {
      const other = recordingReconciles(
        createSync({
          ...config,
          ...overrides,
          hooks: overrides.hooks ? recordingHooks(overrides.hooks) : config.hooks,
        }),
      );
      onCleanup(() => other.flush());
      return other;
    },
    userId,
    email: ANA.email,
    alerts,
    logs,
    config,
    ...(stateDir ? { stateDir } : {}),
  };
}

/**
 * A harness on `store` with a weigh-in waiting and the account's lease held by `owner` for 60 s:
 * asserts the sync is coalesced (nothing synced, nothing failed, nothing uploaded) and returns it.
 */
export async function expectBlockedByLease(store: StateStore, owner: string): Promise<Harness> {
  const h = await harness({ config: { store, leaseSeconds: 60 } });
  h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 77.1 });
  await store.put(`lock/${h.userId}`, { owner }, { ttlSeconds: 60 });
  const blocked = await h.sync.syncRecent();
  expect(blocked).toMatchObject({ coalesced: true, synced: [], failed: [] });
  expect(h.garmin.uploads()).toHaveLength(0);
  return h;
}

/** Bo, a second Withings user linked to a second Garmin account on the same deployment. */
export async function linkSecondAccount(h: Harness): Promise<{ userId: string; email: string }> {
  const userId = h.withings.addUser();
  const email = 'bo@example.com';
  const password = 'pw-bo-1234567';
  h.garmin.addAccount({ email, password });
  await h.sync.accounts.link({
    withings: h.withings.issueTokens(userId),
    garmin: await garminLogin({ email, password, urls: h.garmin.urls }),
  });
  return { userId, email };
}

/** A webhook receiver on loopback that forwards to the engine's handler (what an adapter does). */
export async function serveHandler(sync: Sync): Promise<SimHttpServer> {
  const server = await startHttpServer((request) => sync.handler(request));
  onCleanup(() => server.close());
  return server;
}

/** POSTs a Withings-style notification to the handler directly. */
export function notificationRequest(
  body: string,
  path = '/webhook/withings',
  contentType = 'application/x-www-form-urlencoded',
) {
  return new Request(`http://wg-sync.local${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
}
