import { access, chmod, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { defaultConfigDir, makeDirectories } from '@wg-sync/core';
import { CliError, EXIT } from './errors.js';

export type Env = Record<string, string | undefined>;

/**
 * `--config-dir`, else core's `defaultConfigDir`: `$WG_SYNC_CONFIG_DIR`, else `$XDG_CONFIG_HOME/wg-sync`,
 * else `~/.config/wg-sync` (its `state` is the default state directory of code too).
 */
export function configDir(flag: string | undefined, env: Env): string {
  if (flag) return resolve(flag);
  return defaultConfigDir(env);
}

async function readEnvFile(path: string, options: { required: boolean }): Promise<Env> {
  try {
    return parseEnv(await readFile(path, 'utf8')) as Env;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !options.required) return {};
    if (options.required && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')) {
      throw new CliError(`--env-file ${path}: cannot read it (${code})`, {
        exitCode: EXIT.USAGE,
        fix: 'pass the path of a readable KEY=value file',
      });
    }
    throw error;
  }
}

/** Where {@link loadEnvironment} looks, and what it tells the person on stderr. */
export interface EnvironmentOptions {
  /** `--env-file`: read this file too (it wins over `<config dir>/config.env`). */
  envFile?: string;
  processEnv?: Env;
  /** The working directory whose `.env` is ignored (default `process.cwd()`). */
  cwd?: string;
  /** One line for the person (stderr). */
  notice?: (line: string) => void;
}

/**
 * The configuration environment, highest precedence first: the process environment, the file given
 * with `--env-file`, then `<config dir>/config.env`. Flags are applied on top by the commands.
 *
 * `./.env` is never read implicitly: whoever can write to the directory a command runs in (a cloned
 * repository, a shared folder, a downloaded archive) could otherwise point the upstream URLs at a
 * server of theirs and receive the tokens. When one is there, a notice says it was ignored and how to
 * use it on purpose; its contents are not read.
 */
export async function loadEnvironment(dir: string, options: EnvironmentOptions = {}): Promise<Env> {
  const { envFile, processEnv = process.env, cwd = process.cwd() } = options;
  const [fromConfigDir, fromFile] = await Promise.all([
    readEnvFile(join(dir, 'config.env'), { required: false }),
    envFile ? readEnvFile(resolve(cwd, envFile), { required: true }) : Promise.resolve({}),
  ]);
  if (!envFile && (await exists(join(cwd, '.env')))) {
    options.notice?.(
      'wg-sync: note: ./.env was ignored (wg-sync reads the environment, --env-file and <config dir>/config.env); to use it: --env-file .env',
    );
  }
  const merged: Env = { ...fromConfigDir, ...fromFile };
  for (const [key, value] of Object.entries(processEnv))
    if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Creates `dir` with mode 0700, or tightens it to 0700 when it already exists (created earlier by
 * hand or with a looser umask): `config.env` holds the client secret and tokens live below it.
 */
export async function ensurePrivateDir(
  dir: string,
  what: { name: string; exitCode: number; fix: string } = {
    name: 'the config directory',
    exitCode: EXIT.USAGE,
    fix: 'pass --config-dir <a directory you can create and write> (or fix WG_SYNC_CONFIG_DIR)',
  },
): Promise<void> {
  try {
    await makePrivateDirectories(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError(`cannot create ${what.name} ${dir}: ${code}`, {
      exitCode: what.exitCode,
      fix: what.fix,
      cause: error,
    });
  }
  // Not ours (a shared, read-only config directory): nothing to tighten; the file store still
  // refuses a state directory owned by someone else.
  await chmod(dir, 0o700).catch(() => undefined);
}

/** `mkdir -p` (bounded, mode 0700), then: is it a directory? */
async function makePrivateDirectories(dir: string): Promise<void> {
  await makeDirectories(dir, 0o700);
  // A symlink to a directory is fine (a dotfiles setup); a file in its place is not.
  if (!(await stat(dir)).isDirectory())
    throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
}
