import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { garminLogin } from '@wg-sync/garmin';
import {
  type GarminSim,
  type SimHttpServer,
  startGarminSim,
  startHttpServer,
  startWithingsSim,
  type WithingsSim,
} from '@wg-sync/testkit';
import { afterEach } from 'vitest';
import {
  createSync,
  fileStore,
  isSyncErrorCode,
  type LogLevel,
  memoryStore,
  type StateStore,
  type Sync,
  type SyncAlert,
  type SyncConfig,
} from '../src/index.js';

const cleanups: Array<() => Promise<unknown>> = [];
/** Every failure code a harness engine reported in the current test (`SyncReport.failed`, reconcile). */
const emittedCodes: Array<{ code: string; where: string }> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
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
}

/** Both simulators on loopback, a store, one linked account (Withings user → Garmin account), and the engine. */
export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const withings = await startWithingsSim({ delivery: { retryDelaysMs: [0, 0], dropAfterFailures: 2 } });
  const garmin = await startGarminSim({
    accounts: [{ email: 'ana@example.com', password: 'pw-ana-123456', timeZone: 'Europe/Berlin' }],
  });
  cleanups.push(
    () => withings.close(),
    () => garmin.close(),
  );
  let store: StateStore;
  let stateDir: string | undefined;
  if (options.config?.store) {
    store = options.config.store;
  } else if (options.store === 'file') {
    const dir = await mkdtemp(join(tmpdir(), 'wg-sync-core-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    stateDir = join(dir, 'state');
    store = fileStore(stateDir);
  } else {
    store = memoryStore();
  }
  const alerts: SyncAlert[] = [];
  const logs: string[] = [];
  const config: SyncConfig = {
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 50 } },
    store,
    readBack: { attempts: 3, delayMs: 5 },
    logger: {
      debug: (event, fields) => logs.push(JSON.stringify({ level: 'debug', event, ...fields })),
      info: (event, fields) => logs.push(JSON.stringify({ level: 'info', event, ...fields })),
      warn: (event, fields) => logs.push(JSON.stringify({ level: 'warn', event, ...fields })),
      error: (event, fields) => logs.push(JSON.stringify({ level: 'error', event, ...fields })),
    },
    ...options.config,
    hooks: recordingHooks(options.config?.hooks ?? { onAlert: (alert) => void alerts.push(alert) }),
  };
  const sync = recordingReconciles(createSync(config));
  // Before the simulators close: debounced webhook syncs still waiting run now, not against a dead port.
  cleanups.push(() => sync.flush());
  const userId = withings.addUser({ timeZone: options.timeZone ?? 'Europe/Berlin' });
  const garminTokens = await garminLogin({
    email: 'ana@example.com',
    password: 'pw-ana-123456',
    urls: garmin.urls,
  });
  await sync.accounts.link({ withings: withings.issueTokens(userId), garmin: garminTokens });
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
      cleanups.push(() => other.flush());
      return other;
    },
    userId,
    email: 'ana@example.com',
    alerts,
    logs,
    config,
    ...(stateDir ? { stateDir } : {}),
  };
}

/** A webhook receiver on loopback that forwards to the engine's handler (what an adapter does). */
export async function serveHandler(sync: Sync): Promise<SimHttpServer> {
  const server = await startHttpServer((request) => sync.handler(request));
  cleanups.push(() => server.close());
  return server;
}

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

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
