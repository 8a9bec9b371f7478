import type { BigIntStats } from 'node:fs';
import { constants } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { StoreError, StoreInsecureError } from '../errors.js';
import { closeFd, errorCode, fchmodFd, fstatFd, openFd } from './fd.js';
import { makeDirectories } from './make-directories.js';

// The file store's ownership checks: tokens live in these files, so a directory or entry that another
// user owns, or that group or others can open, is refused (or, the directory only, tightened).

/** Creates the state directory 0700 if needed and refuses one that is a symlink or not ours. */
export async function prepareDir(dir: string, uid: number | undefined): Promise<void> {
  try {
    await makeDirectories(dir, 0o700);
  } catch (error) {
    const code = errorCode(error);
    throw new StoreError(
      `cannot create the state directory ${dir}: ${code ?? (error as Error).message}${code ? ` (${MKDIR_PROBLEMS[code] ?? 'see the code'})` : ''}`,
      { cause: error },
    );
  }
  const stats = await lstat(dir);
  if (stats.isSymbolicLink() || !stats.isDirectory()) {
    throw new StoreError(`state directory ${dir} must be a real directory, not a symlink or a file`);
  }
  if (uid === undefined) return;
  // Checked and tightened through one descriptor, so the directory cannot be swapped in between.
  const fd = await openFd(dir, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_DIRECTORY);
  try {
    const own = await fstatFd(fd, { bigint: true });
    if (Number(own.uid) !== uid) {
      // Whoever owns it can read, plant or swap every entry, whatever its mode says.
      throw new StoreInsecureError(
        undefined,
        dir,
        `is owned by uid ${own.uid}, not by this process (uid ${uid})`,
        `use a state directory of your own, or if this one is yours: chown ${uid} ${sh(dir)} && chmod 700 ${sh(dir)}`,
      );
    }
    // Ours but open to group or others (created earlier with a looser umask): tighten it.
    if ((Number(own.mode) & 0o077) !== 0) await fchmodFd(fd, 0o700);
  } finally {
    await closeFd(fd);
  }
}

const MKDIR_PROBLEMS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOENT: 'this file system does not allow creating it here',
  EACCES: 'no permission to create it there',
  EPERM: 'not permitted to create it there',
  EROFS: 'the file system is read-only',
  EEXIST: 'something else is in the way',
};

/**
 * Refuses an entry file owned by another user or open to group or others: a planted file must not be
 * trusted, and a readable one exposes tokens. Exported for tests only.
 * @internal
 */
export function assertPrivate(
  stats: Pick<BigIntStats, 'uid' | 'mode'>,
  key: string,
  path: string,
  uid: number | undefined,
): void {
  if (uid === undefined) return;
  if (Number(stats.uid) !== uid) {
    throw new StoreInsecureError(
      key,
      path,
      `is owned by uid ${stats.uid}, not by this process (uid ${uid})`,
      `if you put it there, chown ${uid} ${sh(path)} && chmod 600 ${sh(path)}; otherwise remove it`,
    );
  }
  const mode = Number(stats.mode);
  if ((mode & 0o077) !== 0) {
    const what = mode & 0o044 ? 'readable' : mode & 0o022 ? 'writable' : 'executable';
    throw new StoreInsecureError(
      key,
      path,
      `is ${what} by group or others (mode ${(mode & 0o7777).toString(8).padStart(4, '0')})`,
      `chmod 600 ${sh(path)}`,
    );
  }
}

/** A path as a shell word, for the fix commands in error messages. */
function sh(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
