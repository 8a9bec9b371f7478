import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The configuration directory of the `wg-sync` CLI: `$WG_SYNC_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/wg-sync`, else `~/.config/wg-sync`.
 *
 * @param env - The environment to read (default `process.env`).
 */
export function defaultConfigDir(env: Record<string, string | undefined> = process.env): string {
  const chosen = env.WG_SYNC_CONFIG_DIR?.trim();
  if (chosen) return resolve(chosen);
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return join(xdg || join(env.HOME?.trim() || homedir(), '.config'), 'wg-sync');
}

/**
 * The one default state directory, shared by the `wg-sync` CLI, `fileStore()` without a directory
 * and `loadConfigFromEnv()` without `WG_SYNC_STATE_DIR`: `state` in {@link defaultConfigDir}, so an
 * account linked with `wg-sync withings auth` is the account code finds.
 *
 * @param env - The environment to read (default `process.env`).
 *
 * @example
 * ```ts
 * defaultStateDir({ HOME: '/home/ana' }); // '/home/ana/.config/wg-sync/state'
 * ```
 */
export function defaultStateDir(env: Record<string, string | undefined> = process.env): string {
  return join(defaultConfigDir(env), 'state');
}
