/**
 * wg-sync on a box: Express, the state in files (`fileStore`), Withings webhooks answered at once
 * and synced in the background, a reconcile every 6 hours, and a shutdown that lets accepted
 * webhooks finish their sync.
 *
 * Configuration is the environment (see README.md): `WITHINGS_CLIENT_ID`, `WITHINGS_CLIENT_SECRET`,
 * optional `WG_SYNC_*`, plus `PORT` (default 8080) and `HOST` (default 127.0.0.1).
 */
import type { AddressInfo } from 'node:net';
import { expressAdapter } from '@wg-sync/adapter-express';
import {
  ConfigError,
  createSync,
  jsonLogger,
  loadConfigFromEnv,
  Redactor,
  type SyncConfig,
} from '@wg-sync/core';
import express from 'express';

const RECONCILE_EVERY_MS = 6 * 60 * 60 * 1000;
/** How long a shutdown waits for background syncs (Withings and Garmin calls time out well before). */
const DRAIN_TIMEOUT_MS = 60_000;

// The server's own lines: always at info, whatever WG_SYNC_LOG_LEVEL asks of the engine's.
const log = jsonLogger();
const redactor = new Redactor();

let config: SyncConfig;
try {
  // State goes to fileStore(WG_SYNC_STATE_DIR), by default the CLI's ~/.config/wg-sync/state (a
  // ./.wg-sync left by earlier versions is still read, with a warning): one 0600 JSON file per key.
  config = loadConfigFromEnv();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The message lists variable names only, never their values.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write('PORT must be a port number (0 picks a free one)\n');
  process.exit(1);
}

const sync = createSync(config);
// Bound to loopback, every request comes through the local reverse proxy: its X-Forwarded-For is
// then the caller's address (for the throttle of failed bearer attempts) and not a stranger's word.
const behindLocalProxy = ['127.0.0.1', '::1', 'localhost'].includes(host);
const wg = expressAdapter(sync, { trustProxy: behindLocalProxy });
const app = express();
app.disable('x-powered-by');
// The whole server is wg-sync, so it takes every path: Withings calls <WG_SYNC_PUBLIC_URL>/webhook/withings.
app.use(wg);

const server = app.listen(port, host);
server.once('listening', () => {
  const { port: actual } = server.address() as AddressInfo;
  log.info('server.listening', { url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` });
});
server.once('error', (error) => {
  log.error('server.failed', { error: redactor.error(error) });
  process.exit(1);
});

// A missed or dropped webhook is caught here: subscriptions restored, pending notifications synced.
let reconciling: Promise<void> | undefined;
const timer = setInterval(() => {
  reconciling ??= sync
    .reconcile()
    .then(
      (report) =>
        log.info('reconcile.done', {
          durationMs: report.durationMs,
          accounts: report.accounts.map(({ userId, subscription, error }) => ({
            userId,
            subscription,
            error,
          })),
          alerts: report.alerts.map((alert) => alert.type),
        }),
      (error: unknown) => log.error('reconcile.failed', { error: redactor.error(error) }),
    )
    .finally(() => {
      reconciling = undefined;
    });
}, RECONCILE_EVERY_MS);
// The timer alone must not keep the process alive (nor hold up a shutdown).
timer.unref();

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('server.stopping', { signal });
  clearInterval(timer);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const finished = Promise.all([closed, wg.drain(), reconciling]).then(() => true);
  const deadline = new Promise<false>((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS, false).unref());
  const drained = await Promise.race([finished, deadline]);
  // Cut off anyway? Nothing is lost: accepted notifications are stored as pending for the next reconcile.
  if (drained) log.info('server.stopped', { signal });
  else log.warn('server.stopped', { signal, drained: false, waitedMs: DRAIN_TIMEOUT_MS });
  process.exit(drained ? 0 : 1);
}
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));
