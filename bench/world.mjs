// A deployment under test: both simulators, a file store, linked accounts and `wg-sync serve`'s
// Express server on 127.0.0.1, with every account's webhook subscribed — the real path, end to end.
// startWorld runs it all in one process; the ack bench runs the simulators and the deployment in
// processes of their own (startSimulators, startDeployment), as Withings and Garmin are elsewhere.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expressAdapter } from '@wg-sync/adapter-express';
import { createSync, fileStore, silentLogger } from '@wg-sync/core';
import { garminLogin } from '@wg-sync/garmin';
import { startGarminSim, startWithingsSim } from '@wg-sync/testkit';
import express from 'express';

const TIME_ZONE = 'Europe/Berlin';

/**
 * Both simulators and `users` people: a Withings user each, and a Garmin account already logged in.
 * What `startDeployment` needs to link them is `setup`, plain data that can cross a process boundary.
 */
export async function startSimulators({ users = 1 } = {}) {
  const accounts = Array.from({ length: users }, (_, i) => ({
    email: `bench${i}@example.com`,
    password: `pw-bench-${i}-0123456789`,
    timeZone: TIME_ZONE,
  }));
  const withings = await startWithingsSim();
  const garmin = await startGarminSim({ accounts });
  const people = [];
  for (const account of accounts) {
    const userId = withings.addUser({ timeZone: TIME_ZONE });
    const garminTokens = await garminLogin({
      email: account.email,
      password: account.password,
      urls: garmin.urls,
    });
    people.push({ userId, email: account.email, withingsTokens: withings.issueTokens(userId), garminTokens });
  }
  return {
    withings,
    garmin,
    setup: {
      withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
      garmin: { urls: garmin.urls },
      people,
    },
  };
}

/**
 * The deployment as `wg-sync serve` runs it: the engine on a file store behind its Express server on
 * 127.0.0.1, every person's accounts linked and their webhook subscribed.
 *
 * @param {{ setup: Awaited<ReturnType<typeof startSimulators>>['setup'], config?: Record<string, unknown> }} options
 */
export async function startDeployment({ setup, config = {} }) {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-bench-'));
  const listeners = new Set();
  const sync = createSync({
    withings: setup.withings,
    garmin: setup.garmin,
    // The store counts time to live on the engine's clock, as it does in life (one clock for both).
    store: fileStore(join(dir, 'state'), config.now ? { now: config.now } : {}),
    logger: silentLogger,
    hooks: {
      onReport(report) {
        for (const listener of listeners) listener(report);
      },
    },
    ...config,
  });
  const app = express();
  app.disable('x-powered-by'); // as `wg-sync serve` does
  const adapter = expressAdapter(sync);
  app.use(adapter);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const callbackUrl = `${url}/webhook/withings`;
  for (const person of setup.people) {
    await sync.accounts.link({
      withings: person.withingsTokens,
      garmin: person.garminTokens,
      timeZone: TIME_ZONE,
    });
    await (await sync.withingsClient(person.userId)).notify.subscribe({ callbackUrl, appli: 1 });
  }
  return {
    sync,
    url,
    callbackUrl,
    people: setup.people.map(({ userId, email }) => ({ userId, email })),
    /** Resolves with the next SyncReport that matches `filter`. */
    nextReport(filter = () => true, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error('no sync report in time'));
        }, timeoutMs);
        const listener = (report) => {
          if (!filter(report)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(report);
        };
        listeners.add(listener);
      });
    },
    /** Resolves once no sync started by a request is running. */
    drain: () => adapter.drain(),
    /** Stops taking requests, waits for the syncs already started, removes the state. */
    async close() {
      await new Promise((resolve) => {
        server.close(resolve);
        server.closeIdleConnections();
      });
      await adapter.drain();
      server.closeAllConnections();
      // A retry waiting out its backoff in the in-process queue would write into the removed state.
      await sync.work.queue.close?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Simulators and deployment in this process.
 *
 * @param {{ users?: number, config?: Record<string, unknown> }} [options]
 */
export async function startWorld({ users = 1, config = {} } = {}) {
  const { withings, garmin, setup } = await startSimulators({ users });
  const deployment = await startDeployment({ setup, config });
  return {
    ...deployment,
    withings,
    garmin,
    async close() {
      await deployment.close();
      await withings.settled();
      await Promise.all([withings.close(), garmin.close()]);
    },
  };
}

/** Median and percentiles of a list of numbers. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
