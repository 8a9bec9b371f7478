import { type BigIntStats, close, fchmod, fstat, fsync, open, read, readFile, writeFile } from 'node:fs';
import { promisify } from 'node:util';

// Descriptors through the callback API: `fs/promises` wraps each in a FileHandle, which costs several
// times the main-thread work of the small reads and writes the file store makes (every webhook reads
// its account and writes its pending record). Paths alone (rename, unlink, lstat, link) are fine
// through `fs/promises`.
export const openFd = promisify(open) as (path: string, flags: number, mode?: number) => Promise<number>;
export const closeFd = promisify(close);
export const fsyncFd = promisify(fsync);
export const fchmodFd = promisify(fchmod);
// BigInt stats: inode numbers are compared for identity and may not fit a double on every file system.
export const fstatFd = promisify(fstat) as unknown as (
  fd: number,
  options: { bigint: true },
) => Promise<BigIntStats>;
export const readFd = promisify(readFile) as unknown as (fd: number, encoding: 'utf8') => Promise<string>;
const readAt = promisify(read) as unknown as (
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
) => Promise<{ bytesRead: number }>;

/**
 * The first `size` bytes of `fd` as UTF-8, for a file whose size the caller has just read from its
 * stats: `readFile` would ask for them again first, one more call on the thread pool per read.
 */
export async function readSized(fd: number, size: number): Promise<string> {
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await readAt(fd, buffer, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.toString('utf8', 0, filled);
}
export const writeFd = promisify(writeFile) as unknown as (fd: number, data: string) => Promise<void>;

/** The `code` of a Node.js system error (`ENOENT`, `EEXIST` …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
