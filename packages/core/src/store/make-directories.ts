import { lstat, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errorCode } from './fd.js';

/**
 * `mkdir -p` in a bounded number of steps, one per missing level. Node's `mkdir({ recursive: true })`
 * retries forever when mkdir answers ENOENT although the parent exists (`/proc/nope`): that spun at
 * 100% CPU instead of failing. Used by `fileStore` and the `wg-sync` CLI.
 *
 * @param mode - For each directory created (default 0700); existing ones are left as they are.
 * @throws the first `mkdir`/`lstat` error other than a level that already exists (its `code`: ENOTDIR, EACCES…).
 */
export async function makeDirectories(dir: string, mode = 0o700): Promise<void> {
  const missing: string[] = [];
  for (let path = resolve(dir); ; path = dirname(path)) {
    try {
      await lstat(path);
      break;
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      missing.push(path);
      if (dirname(path) === path) break;
    }
  }
  for (const path of missing.reverse()) {
    try {
      await mkdir(path, { mode });
    } catch (error) {
      // Created meanwhile by someone else: the checks after this one judge what is there.
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  }
}
