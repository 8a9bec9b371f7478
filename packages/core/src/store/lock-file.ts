import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { link, rename, unlink } from 'node:fs/promises';
import { StoreError } from '../errors.js';
import { closeFd, errorCode, fstatFd, lstatPath, openFd, readFd, unlinkPath, writeFd } from './fd.js';

// Internal to the file store: index.ts does not export this module. Tests drive its races directly.
//
// The protocol, for a lock at `path`:
// - Acquire: create `path` with O_EXCL and write a token unique to this acquisition (pid + random).
// - A lock file older than `staleMs` was left by a process that died (or froze) holding it. Breaking
//   it never deletes by name, because by then the name may hold somebody's fresh lock: the breaker
//   takes a small mutex (`path.breaking`, O_EXCL), reads the lock (inode, mtime, token), renames it to
//   a unique grave and checks the grave is the file it judged stale. Only then is it deleted; anything
//   else (a fresh lock) is put back with link(), which creates the name only if it is still absent.
// - Release: a lock held for less than half of `staleMs` cannot have been judged stale, so it is still
//   ours and one unlink() releases it. A lock held longer may have been broken and re-acquired by
//   someone else meanwhile: it is removed the careful way, only if it still holds our token.
//
// The mutex serialises everyone who removes a lock they might not own (breakers, careful releases), so
// between a breaker's read and its rename nobody else can swap the file: the put-back is a second line
// of defence, not the mechanism. A crashed breaker's mutex goes stale like any lock and is broken by
// the same rename-and-check, without a mutex of its own.

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 10_000;

/** What a break attempt did: removed the stale lock, kept a fresh one, found none, or found another breaker at work. */
export type BreakOutcome = 'removed' | 'kept' | 'gone' | 'busy';

/** The points on the slow path where another process can interleave; {@link LockOptions.step} is awaited at each. */
export type LockStep = 'observed-stale' | 'before-rename' | `broke:${BreakOutcome}`;

/** Tuning and test seams of {@link lockFile}; the file store uses the defaults. */
export interface LockOptions {
  /** A lock file whose mtime is older than this was left by a dead process (default 10 s). */
  staleMs?: number;
  /** How long to wait for a lock before giving up with a `StoreError` (default 10 s). */
  waitMs?: number;
  /** The clock (ms) that staleness and hold times are measured with. */
  now?: () => number;
  /** Test seam: awaited at each {@link LockStep}, so a test can pause one contender mid-race. */
  step?: (step: LockStep) => void | Promise<void>;
}

/** One lock file as read from its descriptor: inode, mtime and token belong to the same file. */
interface LockInfo {
  dev: bigint;
  ino: bigint;
  mtimeMs: number;
  token: string;
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * A cross-process lock on `path`: waits until it can create the lock file exclusively, breaking it when
 * it is stale. Resolves to the release function.
 * @throws StoreError when the lock cannot be created or is still held after `waitMs`.
 */
export async function lockFile(path: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const { staleMs, now } = settings(options);
  const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
  for (let attempt = 0; ; attempt += 1) {
    // Also on the paths that retry at once (released in between, a stale lock broken): a lock file
    // that keeps coming and going must not keep this loop spinning past the wait.
    if (attempt > 0 && Date.now() > deadline) throw new StoreError(`timed out waiting for lock ${path}`);
    const token = newToken();
    const acquiredAt = now();
    // The fast path, uncontended: open(O_EXCL) + write + close, no fsync (a lock needs no durability).
    if (await createExclusive(path, token)) return () => release(path, token, acquiredAt, options);
    let mtimeMs: number;
    try {
      mtimeMs = (await lstatPath(path)).mtimeMs;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue; // released in between: try again at once
      throw new StoreError(`cannot inspect lock ${path}: ${errorCode(error) ?? error}`, { cause: error });
    }
    if (now() - mtimeMs > staleMs) {
      await options.step?.('observed-stale');
      const outcome = await breakStaleLock(path, options);
      if (outcome === 'removed' || outcome === 'gone') continue;
    }
    if (Date.now() > deadline) throw new StoreError(`timed out waiting for lock ${path}`);
    await sleep(Math.min(50, 2 + attempt * 2));
  }
}

/**
 * Removes the lock at `path` if it is stale (its file is older than `staleMs`), without ever removing a
 * fresh lock that replaced the stale one: see the protocol at the top of this module.
 */
export async function breakStaleLock(path: string, options: LockOptions = {}): Promise<BreakOutcome> {
  const { staleMs, now } = settings(options);
  const outcome = await removeIf(path, (lock) => now() - lock.mtimeMs > staleMs, options);
  await options.step?.(`broke:${outcome}`);
  return outcome;
}

async function release(path: string, token: string, acquiredAt: number, options: LockOptions): Promise<void> {
  const { staleMs, now } = settings(options);
  try {
    if (now() - acquiredAt < staleMs / 2) {
      // Nobody judges a lock this young stale, and only breakers remove other people's locks (under the
      // mutex, after checking what they took), so the file at `path` is ours: one unlink.
      await unlinkPath(path);
      return;
    }
    // Held long enough to have been broken as stale: the file at `path` may be a successor's lock.
    const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
    while ((await removeIf(path, (lock) => lock.token === token, options)) === 'busy') {
      if (Date.now() > deadline) return;
      await sleep(5);
    }
  } catch {
    // Already gone, or cannot be removed: a lock left behind is broken once it is stale.
  }
}

/** Under the breakers' mutex: removes the lock at `path` if `test` holds for it (rename-and-check). */
async function removeIf(
  path: string,
  test: (lock: LockInfo) => boolean,
  options: LockOptions,
): Promise<BreakOutcome> {
  const releaseMutex = await acquireMutex(`${path}.breaking`, options);
  if (!releaseMutex) return 'busy';
  try {
    const seen = await inspect(path);
    if (!seen) return 'gone';
    if (!test(seen)) return 'kept';
    await options.step?.('before-rename');
    return await takeAway(path, seen);
  } finally {
    await releaseMutex();
  }
}

/**
 * Renames the lock at `path` to a unique grave and deletes it if it is the file `seen` describes. Any
 * other file (someone's fresh lock) is put back with link(), which only creates `path` if it is still
 * absent; if a third process created a lock there in between, that one is kept and the grave dropped.
 */
async function takeAway(path: string, seen: LockInfo): Promise<'removed' | 'kept' | 'gone'> {
  const grave = `${path}.${newToken()}.grave`;
  try {
    await rename(path, grave);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'gone';
    throw new StoreError(`cannot break lock ${path}: ${errorCode(error) ?? error}`, { cause: error });
  }
  const got = await inspect(grave);
  if (!got) return 'gone';
  if (got.dev === seen.dev && got.ino === seen.ino && got.token === seen.token) {
    await unlink(grave);
    return 'removed';
  }
  try {
    await link(grave, path);
  } catch (error) {
    // EEXIST: a newer lock took the name meanwhile and stays. Without hard links (some network or FAT
    // file systems) a rename is the closest to putting it back.
    if (errorCode(error) !== 'EEXIST') {
      await rename(grave, path).catch((cause: unknown) => {
        throw new StoreError(
          `cannot put back lock ${path} (left at ${grave}): ${errorCode(cause) ?? cause}`,
          {
            cause,
          },
        );
      });
    }
  }
  await unlink(grave).catch(() => undefined);
  return 'kept';
}

/**
 * The breakers' mutex: an O_EXCL file held for the few operations of one break. Resolves to its
 * release, or `undefined` when another breaker holds it (a stale one is broken for the next attempt).
 */
async function acquireMutex(path: string, options: LockOptions): Promise<(() => Promise<void>) | undefined> {
  const { staleMs, now } = settings(options);
  const token = newToken();
  const acquiredAt = now();
  if (await createExclusive(path, token)) {
    return async () => {
      if (now() - acquiredAt < staleMs / 2) {
        await unlink(path).catch(() => undefined);
        return;
      }
      const current = await inspect(path).catch(() => undefined);
      if (current?.token === token) await takeAway(path, current).catch(() => undefined);
    };
  }
  const other = await inspect(path).catch(() => undefined);
  // A breaker died holding it (a break takes microseconds); not guarded by a mutex of its own, but the
  // rename-and-check still never deletes a fresh one.
  if (other && now() - other.mtimeMs > staleMs) await takeAway(path, other);
  return undefined;
}

async function createExclusive(path: string, token: string): Promise<boolean> {
  let fd: number;
  try {
    fd = await openFd(path, CREATE, 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new StoreError(`cannot create lock ${path}: ${errorCode(error) ?? error}`, { cause: error });
  }
  try {
    await writeFd(fd, token);
  } finally {
    await closeFd(fd);
  }
  return true;
}

/** Reads a lock file through one descriptor, or `undefined` when there is none. */
async function inspect(path: string): Promise<LockInfo | undefined> {
  let fd: number;
  try {
    fd = await openFd(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new StoreError(`cannot read lock ${path}: ${errorCode(error) ?? error}`, { cause: error });
  }
  try {
    const stats = await fstatFd(fd, { bigint: true });
    return {
      dev: stats.dev,
      ino: stats.ino,
      mtimeMs: Number(stats.mtimeMs),
      token: await readFd(fd, 'utf8'),
    };
  } finally {
    await closeFd(fd);
  }
}

function settings(options: LockOptions): { staleMs: number; now: () => number } {
  return { staleMs: options.staleMs ?? LOCK_STALE_MS, now: options.now ?? Date.now };
}

function newToken(): string {
  return `${process.pid}-${randomUUID()}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
