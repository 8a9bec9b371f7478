import { type InProcessQueue, jsonLogger, type LogLevel } from '@wg-sync/core';
import { defineCommand } from 'citty';
import { globalArgs, openContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { DEFAULT_SERVER_LIMITS, startServer } from '../server.js';
import { say } from '../terminal.js';
import { allowUnauthenticatedWebhookArg } from '../webhook-secret.js';
import { syncDeletionsArg } from './sync.js';

/** Withings retries a failed delivery for hours; a reconcile shortly after start drains what it missed meanwhile. */
const FIRST_RECONCILE_MS = 10_000;
/**
 * How often the accounts whose reconcile slot comes next are enqueued: each account has a stable
 * slot in the interval, so a tick every 15 minutes reconciles each one once per interval, spread flat.
 */
const TICK_MS = 15 * 60_000;

export const serve = defineCommand({
  meta: {
    name: 'serve',
    description:
      'run the webhook server (Express, the file store) with reconcile every 6 h; stops gracefully on Ctrl-C / SIGTERM',
  },
  args: {
    ...globalArgs,
    ...allowUnauthenticatedWebhookArg,
    ...syncDeletionsArg,
    port: { type: 'string', description: 'port (default $PORT or 8080)' },
    host: { type: 'string', description: 'address to listen on', default: '0.0.0.0' },
    'max-connections': {
      type: 'string',
      description: `connections open at once; more are closed as they arrive (default ${DEFAULT_SERVER_LIMITS.maxConnections})`,
    },
    'reconcile-hours': {
      type: 'string',
      description:
        "hours between an account's reconciles (subscription check, catch-up sync, alerts), each at its own slot; 0.25–168, 0 = off",
      default: '6',
    },
  },
  async run({ args }) {
    const port = Number(args.port ?? process.env.PORT ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new CliError('--port must be 0–65535', { exitCode: EXIT.USAGE });
    const hours = Number(args['reconcile-hours']);
    if (!Number.isFinite(hours) || (hours !== 0 && (hours < 0.25 || hours > 24 * 7)))
      throw new CliError('--reconcile-hours must be 0 (off) or 0.25–168', { exitCode: EXIT.USAGE });
    const maxConnections = Number(args['max-connections'] ?? DEFAULT_SERVER_LIMITS.maxConnections);
    if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 100_000)
      throw new CliError('--max-connections must be 1–100000', { exitCode: EXIT.USAGE });
    const level = (process.env.WG_SYNC_LOG_LEVEL ?? (args.verbose ? 'debug' : 'info')) as LogLevel;
    // A server logs JSON lines (redacted by the engine) for the log collector, unlike the other commands.
    const ctx = await openContext(
      args,
      {
        logger: jsonLogger({ level }),
        ...(args['allow-unauthenticated-webhook'] ? { allowUnauthenticatedWebhook: true } : {}),
        ...(args['sync-deletions'] ? { syncDeletions: true } : {}),
        ...(hours > 0 ? { reconcileIntervalHours: hours } : {}),
      },
      { webhook: 'serve' },
    );
    const server = await startServer(ctx.sync, { port, host: args.host, limits: { maxConnections } });
    // The engine redacts its own lines; these are written here, so they get the same treatment (the
    // webhook URL carries the webhook secret).
    const { redactor } = ctx;
    say(
      redactor.text(
        JSON.stringify({
          event: 'serve.listening',
          url: server.url,
          // Without WG_SYNC_PUBLIC_URL, the local route (with its secret segment, redacted below).
          webhook:
            ctx.sync.webhookUrl ??
            `${server.url}/webhook/withings${ctx.config.webhookSecret ? `/${ctx.config.webhookSecret}` : ''}`,
        }),
      ),
    );

    // The first pass covers every account (what Withings could not deliver while this was down); then
    // every tick sends the accounts whose slot comes next to the in-process queue (bounded, webhooks
    // and manual syncs first), delayed until their slot.
    let reconciling: Promise<unknown> | undefined;
    const logFailure = (event: string) => (error: unknown) =>
      ctx.config.logger?.error(event, { error: redactor.error(error) });
    const reconcile = () => {
      reconciling ??= ctx.sync
        .reconcile()
        .catch(logFailure('reconcile.failed'))
        .finally(() => {
          reconciling = undefined;
        });
    };
    const tick = () =>
      void ctx.sync.work.enqueueDueReconciles().catch(logFailure('reconcile.enqueue.failed'));
    const timers = hours > 0 ? [setTimeout(reconcile, FIRST_RECONCILE_MS), setInterval(tick, TICK_MS)] : [];
    const queue = ctx.sync.work.queue as Partial<InProcessQueue>;

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        say(JSON.stringify({ event: 'serve.stopping', signal }));
        for (const timer of timers) clearTimeout(timer);
        // The server first: its drain waits for the webhook syncs it accepted, which are messages of
        // the queue. Then the queue: reconciles not started yet are dropped (the first pass of the
        // next start covers them).
        void Promise.all([server.close().then(() => queue.close?.()), reconciling])
          .then(() => say(JSON.stringify({ event: 'serve.stopped' })))
          .finally(resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
});
