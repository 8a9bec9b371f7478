import { type BigIntStats, constants } from 'node:fs';
import { closeFd, fstatFd, fsyncFd, openFd, readSized } from './fd.js';

// The file store's two whole-file operations below its entries (file-store.ts): reading one, and
// making the renames in a directory durable.

/** Reads a file through one descriptor, after `check` accepted that descriptor's stats (no TOCTOU). */
export async function readText(path: string, check: (stats: BigIntStats) => void): Promise<string> {
  const fd = await openFd(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stats = await fstatFd(fd, { bigint: true });
    check(stats);
    // Entries are replaced whole by a rename, never edited in place: the size just read is the file's.
    return await readSized(fd, Number(stats.size));
  } finally {
    await closeFd(fd);
  }
}

/** fsyncs `dir`, making the renames done in it so far durable; never rejects. */
export async function syncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = await openFd(dir, constants.O_RDONLY);
  } catch {
    return;
  }
  try {
    await fsyncFd(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await closeFd(fd);
  }
}
