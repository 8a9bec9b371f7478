import { access, chmod, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { CliError, EXIT } from './errors.js';

export type Env = Record<string, string | undefined>;

/** `$WG_SYNC_CONFIG_DIR`, else `$XDG_CONFIG_HOME/wg-sync`, else `~/.config/wg-sync`. */
export function configDir(flag: string | undefined, env: Env): string {
  if (flag) return resolve(flag);
  if (env.WG_SYNC_CONFIG_DIR) return resolve(env.WG_SYNC_CONFIG_DIR);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'wg-sync');
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
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Not ours (a shared, read-only config directory): nothing to tighten; the file store still
  // refuses a state directory owned by someone else.
  await chmod(dir, 0o700).catch(() => undefined);
}
