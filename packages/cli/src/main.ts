import { type CommandDef, defineCommand, renderUsage, runCommand } from 'citty';
import { checkArguments, closest, resolveCommand } from './argv.js';
import { environmentHelp } from './env-help.js';
import { CliError, EXIT, explain } from './errors.js';

const VERSION = '0.1.0';

const withings = defineCommand({
  meta: { name: 'withings', description: 'link a Withings account' },
  subCommands: { auth: () => import('./commands/withings-auth.js').then((m) => m.withingsAuth) },
});

const garmin = defineCommand({
  meta: { name: 'garmin', description: 'link a Garmin Connect account; clean duplicate weigh-ins out of it' },
  subCommands: {
    login: () => import('./commands/garmin-login.js').then((m) => m.garminLoginCommand),
    dedupe: () => import('./commands/garmin-dedupe.js').then((m) => m.garminDedupeCommand),
  },
});

const help = defineCommand({
  meta: {
    name: 'help',
    description: 'wg-sync help env: every environment variable read; wg-sync help <command>: its options',
  },
  args: {
    topic: { type: 'positional', required: false, description: 'env, or a command' },
    command: { type: 'positional', required: false, description: 'a command of that group' },
  },
  async run({ args }) {
    if (args.topic === 'env') {
      process.stdout.write(`${environmentHelp()}\n`);
      return;
    }
    const names = [args.topic, args.command].filter((a): a is string => Boolean(a));
    const topics = ['env', ...Object.keys((await resolveValue(rootCommand.subCommands)) ?? {})];
    if (args.topic && !topics.includes(args.topic)) {
      const near = closest(args.topic, topics);
      throw new CliError(`no help on ${args.topic}${near ? ` (did you mean ${near}?)` : ''}`, {
        exitCode: EXIT.USAGE,
        fix: `wg-sync help env, or wg-sync help <${topics.slice(1).join('|')}>`,
      });
    }
    const { command, parent } = await resolveCommand(rootCommand, names);
    await printUsage(command, parent);
  },
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
      'State in ~/.config/wg-sync/state (mode 0700). Every environment variable read: wg-sync help env\n' +
      'Exit codes: 0 ok, 1 something failed, 2 usage or configuration, 3 sign in again, 4 upstream refused or unreachable, 5 state store.',
  },
  // Commands load on use, so `wg-sync --help` and each command start fast.
  subCommands: {
    withings,
    garmin,
    intervals: () => import('./commands/intervals.js').then((m) => m.intervals),
    webhook: () => import('./commands/webhook.js').then((m) => m.webhook),
    sync: () => import('./commands/sync.js').then((m) => m.sync),
    backfill: () => import('./commands/backfill.js').then((m) => m.backfill),
    doctor: () => import('./commands/doctor.js').then((m) => m.doctor),
    accounts: () => import('./commands/accounts.js').then((m) => m.accounts),
    held: () => import('./commands/held.js').then((m) => m.held),
    serve: () => import('./commands/serve.js').then((m) => m.serve),
    demo: () => import('./commands/demo.js').then((m) => m.demo),
    help,
  },
});

type AnyCommand = CommandDef;

async function resolveValue<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === 'function' ? (value as () => T | Promise<T>)() : value;
}

// ESC [ … m: the colour codes citty writes.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Colour only for a person at a terminal who did not ask for none (https://no-color.org). */
function colour(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

/** A command's usage on stdout, without colour codes when they would end up in a file or a pipe. */
async function printUsage(command: AnyCommand, parent?: AnyCommand): Promise<void> {
  const text = await renderUsage(command, parent);
  process.stdout.write(`${colour() ? text : text.replace(ANSI, '')}\n\n`);
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code. Errors are
 * printed as one line plus the fix on stderr. Unknown commands and flags are refused (exit 2) before
 * anything runs: a misspelt `--dry-rn` must not be ignored while the real thing is done.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  try {
    if (argv.length === 0) {
      await printUsage(rootCommand);
      return EXIT.USAGE;
    }
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
      process.stdout.write(`${VERSION}\n`);
      return EXIT.OK;
    }
    const resolved = await resolveCommand(rootCommand, argv);
    if (argv.includes('--help') || argv.includes('-h')) {
      await printUsage(resolved.command, resolved.parent);
      return EXIT.OK;
    }
    await checkArguments(resolved);
    process.exitCode = undefined;
    await runCommand(rootCommand, { rawArgs: argv });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (error) {
    const { message, fix, exitCode } = explain(error);
    process.stderr.write(
      `wg-sync: ${message.replace(ANSI, '')}\n${fix ? `  fix: ${fix.replace(ANSI, '')}\n` : ''}`,
    );
    return exitCode;
  }
}
