import { close, constants, fsync, open, readFile, writeFile } from 'node:fs';
import { lstat, mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StoreConflictError, StoreCorruptError, StoreError } from '../errors.js';
import { GroupCommit } from './group-commit.js';
import {
  assertValidKey,
  firstVersion,
  type PutOptions,
  type StateStore,
  type VersionedValue,
} from './state-store.js';

interface Envelope {
  version: number;
  expiresAt?: number;
  value: unknown;
}

// Descriptors through the callback API: `fs/promises` wraps each in a FileHandle, which costs several
// times the main-thread work of the small reads and writes made here (every webhook reads its account
// and writes its pending record). Paths alone (rename, unlink, lstat) are fine through `fs/promises`.
const openFd = promisify(open) as (path: string, flags: number, mode?: number) => Promise<number>;
const closeFd = promisify(close);
const fsyncFd = promisify(fsync);
const readFd = promisify(readFile) as unknown as (fd: number, encoding: 'utf8') => Promise<string>;
const writeFd = promisify(writeFile) as unknown as (fd: number, data: string) => Promise<void>;

const SUFFIX = '.json';
const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 10_000;

/**
 * A {@link StateStore} with one JSON file per key in `dir`: the embedded default for `wg-sync serve`
 * and single-box setups. Writes go to a temporary file, are fsynced and renamed into place; files are
 * 0600 in a 0700 directory; symlinks are refused; compare-and-swap holds across processes (a lock file
 * per key). A file that cannot be read is a {@link StoreCorruptError} naming its path, never reset.
 *
 * @example
 * ```ts
 * const store = fileStore(`${process.env.HOME}/.config/wg-sync/state`);
 * ```
 */
export function fileStore(dir: string, options: { now?: () => Date } = {}): StateStore {
  const now = () => (options.now ?? (() => new Date()))().getTime();
  const pathOf = (key: string) => join(dir, `${key.replaceAll('/', '+')}${SUFFIX}`);
  const keyOf = (file: string) => file.slice(0, -SUFFIX.length).replaceAll('+', '/');
  let ready: Promise<void> | undefined;
  const ensureDir = () => {
    ready ??= prepareDir(dir).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  const queues = new Map<string, Promise<unknown>>();
  const dirSync = new GroupCommit(() => syncDir(dir));

  /** Serialises writers of one key in this process, then across processes with a lock file. */
  async function exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        const release = await lockFile(`${pathOf(key)}.lock`);
        try {
          return await work();
        } finally {
          await release();
        }
      });
    queues.set(key, run);
    try {
      return await run;
    } finally {
      if (queues.get(key) === run) queues.delete(key);
    }
  }

  async function readEntry(key: string): Promise<Envelope | undefined> {
    const path = pathOf(key);
    let text: string;
    try {
      text = await readText(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw new StoreError(`refusing to follow a symlink at ${path}`);
      throw new StoreError(`cannot read ${path}: ${code ?? (error as Error).message}`, { cause: error });
    }
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch (error) {
      throw new StoreCorruptError(key, path, 'not JSON', { cause: error });
    }
    if (
      !envelope ||
      typeof envelope !== 'object' ||
      !Number.isSafeInteger(envelope.version) ||
      envelope.version < 1 ||
      !('value' in envelope)
    ) {
      throw new StoreCorruptError(key, path, 'not a wg-sync state entry');
    }
    if (envelope.expiresAt !== undefined && envelope.expiresAt <= now()) return undefined;
    return envelope;
  }

  async function writeEntry(key: string, envelope: Envelope): Promise<void> {
    const path = pathOf(key);
    const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const fd = await openFd(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await writeFd(fd, JSON.stringify(envelope));
      await fsyncFd(fd);
    } finally {
      await closeFd(fd);
    }
    await assertNotSymlink(path);
    await rename(temp, path);
    await dirSync.sync();
  }

  return {
    async get<T>(key: string) {
      assertValidKey(key);
      await ensureDir();
      const entry = await readEntry(key);
      return entry
        ? ({ value: entry.value as T, version: entry.version } satisfies VersionedValue<T>)
        : undefined;
    },
    async put(key: string, value: unknown, { ifVersion, ttlSeconds }: PutOptions = {}) {
      assertValidKey(key);
      if (JSON.stringify(value) === undefined) throw new TypeError(`state "${key}": value is not JSON`);
      await ensureDir();
      return exclusive(key, async () => {
        const current = await readEntry(key);
        if (
          ifVersion !== undefined &&
          (ifVersion === null ? current !== undefined : current?.version !== ifVersion)
        ) {
          throw new StoreConflictError(key);
        }
        const version = current ? current.version + 1 : firstVersion();
        await writeEntry(key, {
          version,
          ...(ttlSeconds === undefined ? {} : { expiresAt: now() + ttlSeconds * 1000 }),
          value,
        });
        return version;
      });
    },
    async delete(key: string, { ifVersion }: { ifVersion?: number } = {}) {
      assertValidKey(key);
      await ensureDir();
      await exclusive(key, async () => {
        if (ifVersion !== undefined) {
          const current = await readEntry(key);
          if (current?.version !== ifVersion) throw new StoreConflictError(key);
        }
        try {
          await unlink(pathOf(key));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        await dirSync.sync();
      });
    },
    async list<T>(prefix: string) {
      await ensureDir();
      const keys = (await readdir(dir))
        .filter((file) => file.endsWith(SUFFIX))
        .map(keyOf)
        .filter((key) => key.startsWith(prefix))
        .sort();
      const entries = await Promise.all(keys.map(async (key) => ({ key, entry: await readEntry(key) })));
      return entries.flatMap(({ key, entry }) =>
        entry ? [{ key, value: entry.value as T, version: entry.version }] : [],
      );
    },
  };
}

async function prepareDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stats = await lstat(dir);
  if (stats.isSymbolicLink() || !stats.isDirectory()) {
    throw new StoreError(`state directory ${dir} must be a real directory, not a symlink`);
  }
  if ((stats.mode & 0o077) !== 0 && process.platform !== 'win32') {
    // Tighten a directory we created earlier with a looser umask; tokens live here.
    const { chmod } = await import('node:fs/promises');
    await chmod(dir, 0o700);
  }
}

async function assertNotSymlink(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSymbolicLink())
      throw new StoreError(`refusing to replace a symlink at ${path}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function readText(path: string): Promise<string> {
  const fd = await openFd(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await readFd(fd, 'utf8');
  } finally {
    await closeFd(fd);
  }
}

async function syncDir(dir: string): Promise<void> {
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

/** A cross-process lock: create the lock file exclusively; break it when its holder died long ago. */
async function lockFile(path: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = await openFd(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        await writeFd(fd, String(process.pid));
      } finally {
        await closeFd(fd);
      }
      return async () => {
        try {
          await unlink(path);
        } catch {
          // Already gone (broken as stale by another process): nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(`cannot create lock ${path}: ${(error as NodeJS.ErrnoException).code}`, {
          cause: error,
        });
      }
    }
    const stats = await lstat(path).catch(() => undefined);
    if (stats && Date.now() - stats.mtimeMs > LOCK_STALE_MS) {
      try {
        await unlink(path);
      } catch {
        // Another waiter broke it first.
      }
      continue;
    }
    if (Date.now() > deadline) throw new StoreError(`timed out waiting for lock ${path}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt * 2)));
  }
}
