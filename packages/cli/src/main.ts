import { type CommandDef, defineCommand, runCommand, showUsage } from 'citty';
import { EXIT, explain } from './errors.js';

const VERSION = '0.1.0';

const withings = defineCommand({
  meta: { name: 'withings', description: 'link a Withings account' },
  subCommands: { auth: () => import('./commands/withings-auth.js').then((m) => m.withingsAuth) },
});

const garmin = defineCommand({
  meta: { name: 'garmin', description: 'link a Garmin Connect account' },
  subCommands: { login: () => import('./commands/garmin-login.js').then((m) => m.garminLoginCommand) },
});

/** The `wg-sync` command tree. */
export const rootCommand = defineCommand({
  meta: {
    name: 'wg-sync',
    version: VERSION,
    description:
      'Sync Withings weigh-ins to Garmin Connect.\n\n' +
      'Configuration: flags, then the environment, --env-file <path>, and ~/.config/wg-sync/config.env\n' +
      '(WITHINGS_CLIENT_ID, WITHINGS_CLIENT_SECRET, WG_SYNC_PUBLIC_URL, …); ./.env only with --env-file .env.\n' +
      'State in ~/.config/wg-sync/state (mode 0700).\n' +
      'Exit codes: 0 ok, 1 something failed, 2 usage or configuration, 3 sign in again, 4 upstream refused or unreachable, 5 state store.',
  },
  // Commands load on use, so `wg-sync --help` and each command start fast.
  subCommands: {
    withings,
    garmin,
    webhook: () => import('./commands/webhook.js').then((m) => m.webhook),
    sync: () => import('./commands/sync.js').then((m) => m.sync),
    backfill: () => import('./commands/backfill.js').then((m) => m.backfill),
    doctor: () => import('./commands/doctor.js').then((m) => m.doctor),
    accounts: () => import('./commands/accounts.js').then((m) => m.accounts),
    serve: () => import('./commands/serve.js').then((m) => m.serve),
    demo: () => import('./commands/demo.js').then((m) => m.demo),
  },
});

type AnyCommand = CommandDef;

async function resolve<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === 'function' ? (value as () => T | Promise<T>)() : value;
}

/** The command (and its parent) the arguments name, for `--help`. */
async function commandFor(argv: string[]): Promise<[AnyCommand, AnyCommand | undefined]> {
  let current: AnyCommand = rootCommand;
  let parent: AnyCommand | undefined;
  for (const arg of argv) {
    if (arg.startsWith('-')) continue;
    const subs = (await resolve(current.subCommands)) as Record<string, AnyCommand> | undefined;
    const next = subs?.[arg];
    if (!next) break;
    parent = current;
    current = await resolve(next);
  }
  return [current, parent];
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code. Errors are
 * printed as one line plus the fix on stderr.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    const [command, parent] = await commandFor(argv);
    await showUsage(command, parent);
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.OK;
  }
  try {
    process.exitCode = undefined;
    await runCommand(rootCommand, { rawArgs: argv });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (error) {
    const { message, fix, exitCode } = explain(error);
    const isUsage = (error as { code?: string })?.code?.startsWith('E_');
    if (isUsage) {
      const [command, parent] = await commandFor(argv);
      await showUsage(command, parent);
    }
    process.stderr.write(`wg-sync: ${message}\n${fix ? `  fix: ${fix}\n` : ''}`);
    return isUsage ? EXIT.USAGE : exitCode;
  }
}
