import {
  type BigIntStats,
  closeSync,
  fchmodSync,
  fstatSync,
  fsync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { promisify } from 'node:util';

// The file store's calls on the file system. Every webhook reads its account and writes its pending
// record, and a sync makes some two hundred calls, so their cost on the main thread is what counts:
// - Opening, reading, writing, renaming and removing a small file of a local, page-cached state
//   directory takes microseconds; handed to the thread pool, each costs several times that on the
//   main thread (a request, a callback, a promise) plus a wait for a pool thread, and the sync's store
//   steps were slowest under load, waiting on those round trips rather than on the disk. So they run
//   synchronously, behind the same promise-returning functions.
// - fsync waits for the device and stays on the thread pool: it is the one call that may take long,
//   and the event loop goes on meanwhile.
// The state directory is local by design (the CLI's and `wg-sync serve`'s own disk); on a network
// file system every one of these calls would hold the event loop for a round trip.

export async function openFd(path: string, flags: number, mode?: number): Promise<number> {
  return openSync(path, flags, mode);
}
export async function closeFd(fd: number): Promise<void> {
  closeSync(fd);
}
export const fsyncFd = promisify(fsync);
export async function fchmodFd(fd: number, mode: number): Promise<void> {
  fchmodSync(fd, mode);
}
// BigInt stats: inode numbers are compared for identity and may not fit a double on every file system.
export async function fstatFd(fd: number, options: { bigint: true }): Promise<BigIntStats> {
  return fstatSync(fd, options);
}
export async function readFd(fd: number, encoding: 'utf8'): Promise<string> {
  return readFileSync(fd, encoding);
}
export async function writeFd(fd: number, data: string): Promise<void> {
  writeFileSync(fd, data);
}
export async function renamePath(from: string, to: string): Promise<void> {
  renameSync(from, to);
}
export async function unlinkPath(path: string): Promise<void> {
  unlinkSync(path);
}
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
