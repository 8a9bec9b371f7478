import {
  type BigIntStats,
  close,
  closeSync,
  constants,
  fchmod,
  fstatSync,
  fsync,
  lstatSync,
  open,
  openSync,
  readFile,
  readSync,
  rename,
  renameSync,
  type Stats,
  unlink,
  unlinkSync,
  writeFile,
  writeFileSync,
} from 'node:fs';
import { promisify } from 'node:util';

// The file store's calls on the file system. Every webhook reads its account and writes its pending
// record, and a sync makes some two hundred calls, so their cost on the main thread is what counts.
// - Reads run synchronously (a read-only open, fstat, read, lstat): on a local, page-cached state
//   directory they take microseconds, while a thread-pool round trip each cost several times that on
//   the main thread (a request, a callback, a promise) plus a wait for a pool thread.
// - Other calls (create, write, close, rename, unlink) run synchronously too while the pool holds
//   nothing of ours, and on the pool beside the event loop while it does (see `offloaded`): measured,
//   a burst of webhooks answered slower with every write on the main thread, a lone sync faster.
// - fsync waits for the device and always goes to the pool. The callback API, not `fs/promises`: a
//   FileHandle per descriptor costs several times the main-thread work of these small calls.
// The state directory is local by design (the CLI's and `wg-sync serve`'s own disk); on a network
// file system each synchronous call would hold the event loop for a round trip.

const inPool = { calls: 0 };

/**
 * A call made synchronously (`direct`) while nothing of the file store's is on the thread pool, and
 * there (`pooled`) while something is: alone, a write's calls (create, write, close, rename, unlink)
 * take microseconds and a pool round trip costs more than the call; with others in the pool (a burst
 * of webhooks), the pool runs them beside the event loop, on another core, while it goes on answering.
 */
function offloaded<A extends unknown[], R>(
  pooled: (...args: A) => Promise<R>,
  direct: (...args: A) => R,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    if (inPool.calls === 0) return direct(...args);
    inPool.calls += 1;
    try {
      return await pooled(...args);
    } finally {
      inPool.calls -= 1;
    }
  };
}

/** Always on the thread pool (it waits for the device), and counted: while it runs, writes go there too. */
export async function fsyncFd(fd: number): Promise<void> {
  inPool.calls += 1;
  try {
    await fsyncPooled(fd);
  } finally {
    inPool.calls -= 1;
  }
}
const fsyncPooled = promisify(fsync);

const WRITING = constants.O_WRONLY | constants.O_RDWR | constants.O_CREAT;
const openWriting = offloaded(
  promisify(open) as (path: string, flags: number, mode?: number) => Promise<number>,
  (path: string, flags: number, mode?: number) => openSync(path, flags, mode),
);
/** Read-only opens are reads (synchronous, see above); opens that create or write are a write's. */
export async function openFd(path: string, flags: number, mode?: number): Promise<number> {
  return (flags & WRITING) === 0 ? openSync(path, flags) : openWriting(path, flags, mode);
}
export const closeFd = offloaded(promisify(close), closeSync);
export const fchmodFd = promisify(fchmod);
// BigInt stats: inode numbers are compared for identity and may not fit a double on every file system.
export async function fstatFd(fd: number, options: { bigint: true }): Promise<BigIntStats> {
  return fstatSync(fd, options);
}
export const readFd = promisify(readFile) as unknown as (fd: number, encoding: 'utf8') => Promise<string>;
export const writeFd = offloaded(
  promisify(writeFile) as unknown as (fd: number, data: string) => Promise<void>,
  (fd: number, data: string) => writeFileSync(fd, data),
);
export const renamePath = offloaded(promisify(rename), renameSync);
export const unlinkPath = offloaded(promisify(unlink), unlinkSync);

export async function lstatPath(path: string): Promise<Stats> {
  return lstatSync(path);
}

/**
 * The first `size` bytes of `fd` as UTF-8, for a file whose size the caller has just read from its
 * stats (`readFile` would ask for them again first).
 */
export async function readSized(fd: number, size: number): Promise<string> {
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const bytesRead = readSync(fd, buffer, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.toString('utf8', 0, filled);
}

/** The `code` of a Node.js system error (`ENOENT`, `EEXIST` …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
