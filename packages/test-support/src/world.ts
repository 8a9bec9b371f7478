import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSync,
  fileStore,
  type InProcessQueue,
  type Logger,
  memoryStore,
  type StateStore,
  type Sync,
  type SyncAlert,
  type SyncConfig,
} from '@wg-sync/core';
import { garminLogin } from '@wg-sync/garmin';
import {
  createClock,
  type GarminSim,
  type GarminSimOptions,
  type SimClock,
  startGarminSim,
  startWithingsSim,
  type WithingsSim,
  type WithingsSimOptions,
} from '@wg-sync/testkit';
import { onCleanup } from './cleanup.js';

/** The person every linked world links: one Garmin account, on Berlin time. */
export const ANA = {
  email: 'ana@example.com',
  password: 'pw-ana-123456',
  timeZone: 'Europe/Berlin',
} as const;

// Read at every call, never captured: moving the clock moves whoever holds this function.
const nowOf = (clock: SimClock) => () => clock.now();

/** Both simulators, listening on 127.0.0.1. */
export interface Simulators {
  withings: WithingsSim;
  garmin: GarminSim;
  /** The one clock both simulators read: moving it expires codes, tokens and tickets on both sides. */
  clock: SimClock;
  /** Closes both. */
  close(): Promise<void>;
}

export interface SimulatorsOptions {
  /**
   * The clock both simulators share (default: a new one following real time). A clock given in
   * `withings` or `garmin` alone is shared too, so the two sides never disagree about "now".
   */
  clock?: SimClock;
  withings?: WithingsSimOptions;
  /** Garmin's accounts default to {@link ANA} alone. */
  garmin?: GarminSimOptions;
}

/** Starts both simulators on one clock; the caller closes them (or lets {@link linkedWorld} do it). */
export async function startSimulators(options: SimulatorsOptions = {}): Promise<Simulators> {
  const clock = options.clock ?? options.withings?.clock ?? options.garmin?.clock ?? createClock();
  const withings = await startWithingsSim({ ...options.withings, clock });
  const garmin = await startGarminSim({ accounts: [{ ...ANA }], ...options.garmin, clock }).catch(
    async (error: unknown) => {
      await withings.close();
      throw error;
    },
  );
  return {
    withings,
    garmin,
    clock,
    close: async () => {
      await Promise.allSettled([withings.close(), garmin.close()]);
    },
  };
}

/** A logger that keeps every line, as JSON, in `lines` (a new array unless one is given). */
export function collectLogs(lines: string[] = []): { logger: Logger; lines: string[] } {
  const line = (level: string) => (event: string, fields?: Record<string, unknown>) =>
    void lines.push(JSON.stringify({ level, event, ...fields }));
  return {
    logger: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
    lines,
  };
}

/** A file store in a fresh temporary directory. */
export interface TempFileStore {
  store: StateStore;
  /** The store's directory (inside the temporary one). */
  dir: string;
  /** Removes the temporary directory, store included. */
  close(): Promise<void>;
}

/**
 * A `fileStore` under a new directory of the system's temp folder, named `prefix…`. With `clock`,
 * its entries (leases, debounce windows) expire on that clock instead of real time.
 */
export async function tempFileStore(
  prefix = 'wg-sync-test-',
  options: { clock?: SimClock } = {},
): Promise<TempFileStore> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dir = join(root, 'state');
  const store = fileStore(dir, options.clock ? { now: nowOf(options.clock) } : {});
  return { store, dir, close: () => rm(root, { recursive: true, force: true }) };
}

export interface SyncConfigOptions {
  store: StateStore;
  logger: Logger;
  /** Garmin's retry schedule; short by default, so a test that exhausts it stays fast. */
  retry?: NonNullable<NonNullable<SyncConfig['garmin']>['retry']>;
  /** The engine's clock (`SyncConfig.now`); without it the engine reads real time, whatever the simulators do. */
  clock?: SimClock;
}

/** An engine config against the simulators: their credentials and URLs, short retries and read-back. */
export function syncConfig(
  sims: Pick<Simulators, 'withings' | 'garmin'>,
  options: SyncConfigOptions,
): SyncConfig {
  const { withings, garmin } = sims;
  return {
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls, retry: options.retry ?? { retries: 1, baseDelayMs: 1, maxDelayMs: 20 } },
    store: options.store,
    readBack: { attempts: 3, delayMs: 5 },
    logger: options.logger,
    ...(options.clock ? { now: nowOf(options.clock) } : {}),
  };
}

export interface LinkedWorldOptions {
  /**
   * The clock of the whole world: both simulators, the engine (`config.now`) and the store it makes
   * (default: a new one following real time, so nothing changes until a test moves it). A store or a
   * `now` passed in `config` keeps its own clock.
   */
  clock?: SimClock;
  withings?: WithingsSimOptions;
  /** A store, or the kind to make: a memory store (the default) or a file store in a temp folder. */
  store?: StateStore | 'memory' | 'file';
  /** Prefix of the temp folder for `store: 'file'`. */
  tempPrefix?: string;
  retry?: SyncConfigOptions['retry'];
  /** The Withings user's time zone (default: Europe/Berlin). */
  timeZone?: string;
  /** Merged over the config {@link syncConfig} builds; `hooks` replaces the default alert collector. */
  config?: Partial<SyncConfig>;
}

/** Both simulators, a store, an engine, and {@link ANA} linked (Withings user → Garmin account). */
export interface LinkedWorld {
  withings: WithingsSim;
  garmin: GarminSim;
  /** The clock the simulators, the engine and the store share: advance it instead of waiting. */
  clock: SimClock;
  store: StateStore;
  /** The file store's directory when `store: 'file'`. */
  stateDir?: string;
  config: SyncConfig;
  sync: Sync;
  userId: string;
  /** The Garmin account's e-mail. */
  email: string;
  /** Alerts the default `onAlert` hook received (none when `config.hooks` was given). */
  alerts: SyncAlert[];
  /** Everything the engine logged, one JSON line each. */
  logs: string[];
  /** Every secret the simulators hold (tokens, client secret). */
  secrets(): string[];
  /** Upstream requests so far (both simulators). */
  upstreamCalls(): number;
}

/**
 * Starts both simulators, makes the store, builds the engine and links one account. Everything is
 * closed after the current test: pending debounced syncs are flushed first, so they run against
 * live simulators and not a dead port.
 */
export async function linkedWorld(options: LinkedWorldOptions = {}): Promise<LinkedWorld> {
  const sims = await startSimulators({
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.withings ? { withings: options.withings } : {}),
  });
  onCleanup(() => sims.close());
  const { withings, garmin, clock } = sims;
  let store: StateStore;
  let stateDir: string | undefined;
  if (options.config?.store) {
    store = options.config.store;
  } else if (options.store === 'file') {
    const temp = await tempFileStore(options.tempPrefix, { clock });
    onCleanup(() => temp.close());
    store = temp.store;
    stateDir = temp.dir;
  } else if (options.store === undefined || options.store === 'memory') {
    store = memoryStore({ now: nowOf(clock) });
  } else {
    store = options.store;
  }
  const alerts: SyncAlert[] = [];
  const { logger, lines: logs } = collectLogs();
  const config: SyncConfig = {
    ...syncConfig(sims, { store, logger, clock, ...(options.retry ? { retry: options.retry } : {}) }),
    hooks: { onAlert: (alert) => void alerts.push(alert) },
    ...options.config,
  };
  const sync = createSync(config);
  onCleanup(async () => {
    await sync.flush();
    // A retry waiting out its backoff in the in-process queue ends with the test, not in the next.
    await (sync.work.queue as Partial<InProcessQueue>).close?.();
  });
  const userId = withings.addUser({ timeZone: options.timeZone ?? ANA.timeZone });
  const garminTokens = await garminLogin({ email: ANA.email, password: ANA.password, urls: garmin.urls });
  await sync.accounts.link({ withings: withings.issueTokens(userId), garmin: garminTokens });
  return {
    withings,
    garmin,
    clock,
    store,
    ...(stateDir ? { stateDir } : {}),
    config,
    sync,
    userId,
    email: ANA.email,
    alerts,
    logs,
    secrets: () => [...withings.secrets(), ...garmin.secrets()],
    upstreamCalls: () => withings.requests.length + garmin.requests.length,
  };
}
