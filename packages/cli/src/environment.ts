import { chmod, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';

export type Env = Record<string, string | undefined>;

/** `$WG_SYNC_CONFIG_DIR`, else `$XDG_CONFIG_HOME/wg-sync`, else `~/.config/wg-sync`. */
export function configDir(flag: string | undefined, env: Env): string {
  if (flag) return resolve(flag);
  if (env.WG_SYNC_CONFIG_DIR) return resolve(env.WG_SYNC_CONFIG_DIR);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'wg-sync');
}

async function readEnvFile(path: string): Promise<Env> {
  try {
    return parseEnv(await readFile(path, 'utf8')) as Env;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/**
 * The configuration environment, highest precedence first: the process environment, `./.env`,
 * then `<config dir>/config.env`. Flags are applied on top by the commands.
 */
export async function loadEnvironment(dir: string, processEnv: Env = process.env): Promise<Env> {
  const [fromConfigDir, fromCwd] = await Promise.all([
    readEnvFile(join(dir, 'config.env')),
    readEnvFile('.env'),
  ]);
  const merged: Env = { ...fromConfigDir, ...fromCwd };
  for (const [key, value] of Object.entries(processEnv))
    if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}

/** Creates the config directory with mode 0700 (tokens live below it). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700).catch(() => undefined);
}
