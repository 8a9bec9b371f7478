import { jsonLogger, type LogLevel } from '@wg-sync/core';
import { defineCommand } from 'citty';
import { globalArgs, openContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { DEFAULT_SERVER_LIMITS, startServer } from '../server.js';
import { say } from '../terminal.js';
import { allowUnauthenticatedWebhookArg } from '../webhook-secret.js';
import { syncDeletionsArg } from './sync.js';

const HOUR_MS = 3_600_000;
/** Withings retries a failed delivery for hours; a reconcile shortly after start drains what it missed meanwhile. */
const FIRST_RECONCILE_MS = 10_000;

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
      description: 'hours between reconciles: subscription check, catch-up sync, alerts; 0 = off',
      default: '6',
    },
  },
  async run({ args }) {
    const port = Number(args.port ?? process.env.PORT ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new CliError('--port must be 0–65535', { exitCode: EXIT.USAGE });
    const hours = Number(args['reconcile-hours']);
    if (!Number.isFinite(hours) || hours < 0 || hours > 24 * 7)
      throw new CliError('--reconcile-hours must be 0–168', { exitCode: EXIT.USAGE });
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

    let reconciling: Promise<unknown> | undefined;
    const reconcile = () => {
      reconciling ??= ctx.sync
        .reconcile()
        .catch((error: unknown) =>
          ctx.config.logger?.error('reconcile.failed', { error: redactor.error(error) }),
        )
        .finally(() => {
          reconciling = undefined;
        });
    };
    const timers =
      hours > 0 ? [setTimeout(reconcile, FIRST_RECONCILE_MS), setInterval(reconcile, hours * HOUR_MS)] : [];

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        say(JSON.stringify({ event: 'serve.stopping', signal }));
        for (const timer of timers) clearTimeout(timer);
        void Promise.all([server.close(), reconciling])
          .then(() => say(JSON.stringify({ event: 'serve.stopped' })))
          .finally(resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
});
