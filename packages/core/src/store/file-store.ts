import { constants } from 'node:fs';
import { opendir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreConflictError, StoreCorruptError, StoreError, StoreInsecureError } from '../errors.js';
import { readText, syncDir } from './entry-files.js';
import { closeFd, errorCode, fsyncFd, lstatPath, openFd, renamePath, unlinkPath, writeFd } from './fd.js';
import { assertPrivate, prepareDir } from './file-store-checks.js';
import { GroupCommit } from './group-commit.js';
import { KeySelection, pageRequest } from './list-pages.js';
import { lockFile } from './lock-file.js';
import { defaultStateDir } from './state-dir.js';
import {
  assertValidKey,
  describeEntryLocations,
  firstVersion,
  type ListPageOptions,
  type PutOptions,
  type StateStore,
  type VersionedValue,
} from './state-store.js';

interface Envelope {
  version: number;
  expiresAt?: number;
  value: unknown;
}

// Calls on the file system go through fd.ts: every webhook reads its account and writes its pending
// record here, so the per-call cost matters.

const SUFFIX = '.json';
/** Entry files a page reads at once: a 1000-entry page must not open 1000 descriptors together. */
const READ_AT_ONCE = 32;

// Exported for tests only, from where they have always imported it.
export { assertPrivate };

/**
 * Options of {@link fileStore} that only tests pass; the package does not export them.
 * @internal
 */
export interface FileStoreInternals {
  /** The user id the ownership checks compare with, instead of `process.getuid()` (pretend to be someone else). */
  uid?: number;
}

/**
 * A {@link StateStore} with one JSON file per key in `dir`: the embedded default for `wg-sync serve`
 * and single-box setups. Writes go to a temporary file, are fsynced and renamed into place (and the
 * rename made durable, except for entries with a time to live); files are 0600 in a 0700 directory;
 * symlinks are refused; compare-and-swap holds across processes (a lock file per key). A file that
 * cannot be read is a {@link StoreCorruptError} naming its path, never reset. An entry owned by
 * another user or open to group or others, or a state directory owned by another user, is a
 * {@link StoreInsecureError} and is not read (tokens live here).
 *
 * @param dir - The state directory (default {@link defaultStateDir}: where the `wg-sync` CLI keeps it).
 *
 * @example
 * ```ts
 * const store = fileStore(); // ~/.config/wg-sync/state, the CLI's
 * ```
 */
export function fileStore(dir: string = defaultStateDir(), options: { now?: () => Date } = {}): StateStore {
  return openFileStore(dir, options);
}

/**
 * {@link fileStore} with the options only tests pass.
 * @internal
 */
export function openFileStore(
  dir: string,
  options: { now?: () => Date } & FileStoreInternals = {},
): StateStore {
  const now = () => (options.now ?? (() => new Date()))().getTime();
  // Windows has no uids and no POSIX modes: the ownership checks apply where process.getuid exists.
  const uid = options.uid ?? process.getuid?.();
  const pathOf = (key: string) => join(dir, `${key.replaceAll('/', '+')}${SUFFIX}`);
  const keyOf = (file: string) => file.slice(0, -SUFFIX.length).replaceAll('+', '/');
  let ready: Promise<void> | undefined;
  const ensureDir = () => {
    ready ??= prepareDir(dir, uid).catch((error: unknown) => {
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
      text = await readText(path, (stats) => assertPrivate(stats, key, path, uid));
    } catch (error) {
      if (error instanceof StoreInsecureError) throw error;
      const code = errorCode(error);
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

  /**
   * Writes `envelope` to a temporary file, fsyncs it and renames it over `path`. Resolves once the
   * rename is done, with the directory fsync that makes it durable still running (see `put`).
   * @param replacing - `path` was just read under this key's lock: a regular file, no symlink.
   */
  async function writeEntry(
    key: string,
    envelope: Envelope,
    replacing: boolean,
  ): Promise<{ durable: Promise<void> }> {
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
    // Checked only where nothing was read: a symlink at `path` fails that read (O_NOFOLLOW).
    if (!replacing) await assertNotSymlink(path);
    await renamePath(temp, path);
    // Wrapped: an async function would adopt the fsync's promise and resolve only after it.
    return { durable: volatile(envelope) ? Promise.resolve() : dirSync.sync() };
  }

  const store: StateStore = {
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
      const written = await exclusive(key, async () => {
        const current = await readEntry(key);
        if (
          ifVersion !== undefined &&
          (ifVersion === null ? current !== undefined : current?.version !== ifVersion)
        ) {
          throw new StoreConflictError(key);
        }
        const version = current ? current.version + 1 : firstVersion();
        const envelope = {
          version,
          ...(ttlSeconds === undefined ? {} : { expiresAt: now() + ttlSeconds * 1000 }),
          value,
        };
        return { version, ...(await writeEntry(key, envelope, current !== undefined)) };
      });
      // The lock is released while the directory fsync runs: the next writer of the key goes on from
      // the renamed file, and this put still resolves only once its rename is durable.
      await written.durable;
      return written.version;
    },
    async delete(key: string, { ifVersion }: { ifVersion?: number } = {}) {
      assertValidKey(key);
      await ensureDir();
      const removed = await exclusive(key, async () => {
        let current: Envelope | undefined;
        if (ifVersion !== undefined) {
          current = await readEntry(key);
          if (current?.version !== ifVersion) throw new StoreConflictError(key);
        }
        try {
          await unlinkPath(pathOf(key));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        // Awaited once the lock is released, as in `put`.
        return { durable: current && volatile(current) ? Promise.resolve() : dirSync.sync() };
      });
      await removed.durable;
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
    async listPage<T>(prefix: string, options?: ListPageOptions) {
      const request = pageRequest(prefix, options);
      await ensureDir();
      // The directory is streamed, not read whole: a page holds at most 2 × limit names.
      const selection = new KeySelection(prefix, request);
      for await (const file of await opendir(dir)) {
        if (file.name.endsWith(SUFFIX)) selection.offer(keyOf(file.name));
      }
      const { keys, more } = selection.result();
      const entries: Array<{ key: string } & VersionedValue<T>> = [];
      for (let start = 0; start < keys.length; start += READ_AT_ONCE) {
        const read = await Promise.all(
          keys.slice(start, start + READ_AT_ONCE).map(async (key) => ({ key, entry: await readEntry(key) })),
        );
        for (const { key, entry } of read) {
          if (entry) entries.push({ key, value: entry.value as T, version: entry.version });
        }
      }
      const last = keys.at(-1);
      return more && last ? { entries, cursor: last } : { entries };
    },
  };
  // Errors about an entry's contents (a wrong shape, found above the store) name its file.
  return describeEntryLocations(store, pathOf);
}

/**
 * An entry with a time to live (a sync's lease, the debounce window, the Withings budget) is not worth
 * a directory fsync on the way of every sync: its data is fsynced before the rename, so a power cut
 * can only undo the rename (or removal), which leaves the entry it replaced, whole, or none. That is
 * what a power cut during the sync would have left: a lease that runs out, a window or budget entry
 * a minute older. Entries without one (tokens, cursors, the ledger, pending) keep the fsync.
 */
const volatile = (envelope: Envelope) => envelope.expiresAt !== undefined;

async function assertNotSymlink(path: string): Promise<void> {
  try {
    if ((await lstatPath(path)).isSymbolicLink())
      throw new StoreError(`refusing to replace a symlink at ${path}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
