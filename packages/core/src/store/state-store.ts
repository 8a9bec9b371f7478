/** A stored value and its version (for compare-and-swap). */
export interface VersionedValue<T = unknown> {
  value: T;
  /**
   * Opaque positive integer that changes on every write. A new key starts at an unpredictable number,
   * so a key deleted and created again never reuses a version.
   */
  version: number;
}

/** Options of {@link StateStore.put}. */
export interface PutOptions {
  /**
   * Compare-and-swap: write only if the current version is this one; `null` means "only if the key
   * does not exist (or has expired)". Omit for an unconditional write.
   */
  ifVersion?: number | null;
  /** The entry expires after this many seconds and then behaves as if absent. */
  ttlSeconds?: number;
}

/** Options of {@link StateStore.listPage}. */
export interface ListPageOptions {
  /** Entries per page: 1–1000, default 100. A page may hold fewer (expired entries are skipped). */
  limit?: number;
  /** The `cursor` of the previous page, unchanged (opaque); omit for the first page. */
  cursor?: string;
}

/** One page of {@link StateStore.listPage}. */
export interface ListPage<T = unknown> {
  /** Live entries, sorted by key; at most `limit`. */
  entries: Array<{ key: string } & VersionedValue<T>>;
  /** Pass it back for the next page; absent on the last page. */
  cursor?: string;
}

/**
 * The small key-value store wg-sync keeps its state in: tokens, cursors, the upload ledger, leases.
 * Keys are `/`-separated paths such as `withings/37012345/tokens`; values are JSON.
 *
 * Implementations: {@link memoryStore} (tests, one process), {@link fileStore} (default, one JSON
 * file per key) and `dynamoStore` in `@wg-sync/adapter-lambda`. Every implementation must pass
 * `runStateStoreContract` from `@wg-sync/core/testing`.
 */
export interface StateStore {
  /** The value and version, or `undefined` when the key does not exist or has expired. */
  get<T = unknown>(key: string): Promise<VersionedValue<T> | undefined>;
  /**
   * Writes a value and returns its new version.
   * @throws {@link StoreConflictError} when `ifVersion` does not match.
   */
  put(key: string, value: unknown, options?: PutOptions): Promise<number>;
  /**
   * Deletes a key (no error when it does not exist, unless `ifVersion` is given).
   * @throws {@link StoreConflictError} when `ifVersion` does not match.
   */
  delete(key: string, options?: { ifVersion?: number }): Promise<void>;
  /** Every live entry whose key starts with `prefix`, sorted by key. */
  list<T = unknown>(prefix: string): Promise<Array<{ key: string } & VersionedValue<T>>>;
  /**
   * One page of `list(prefix)`: the first `limit` live entries after `cursor`, sorted by key. Walking
   * the pages, a key that is live for the whole walk appears exactly once; a key written or deleted
   * meanwhile may or may not. Only one page is held in memory. Callers go through {@link listPages}.
   *
   * Optional, so stores written before it keep compiling ({@link listPages} then cuts `list()` into
   * pages); every built-in store has it, and a store holding many accounts should.
   * @throws RangeError for a `limit` outside 1–1000; TypeError for a cursor no page gave.
   */
  listPage?<T = unknown>(prefix: string, options?: ListPageOptions): Promise<ListPage<T>>;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._@:=-]*(\/[A-Za-z0-9._@:=-]+)*$/;

/**
 * Checks a state key: plain path segments, no empty segment, no `..`, nothing a file system could
 * misread. Every `StateStore` implementation calls it first, so all stores accept the same keys.
 * @throws TypeError for an invalid key.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length > 512 || !KEY.test(key) || key.split('/').includes('..')) {
    throw new TypeError(`invalid state key ${JSON.stringify(key)}`);
  }
}

/** The version a `StateStore` gives a brand-new key: random, so delete-and-recreate never repeats one. */
export function firstVersion(): number {
  return 1 + Math.floor(Math.random() * 2 ** 40);
}

const locators = new WeakMap<StateStore, (key: string) => string>();

/**
 * Records how `store` names where an entry lives (a file path for `fileStore`), for errors raised
 * about an entry's contents above the store. Returns `store`.
 * @internal
 */
export function describeEntryLocations(store: StateStore, locate: (key: string) => string): StateStore {
  locators.set(store, locate);
  return store;
}

/**
 * Where `key` lives in `store`, for a `StoreCorruptError`: its file for `fileStore`, else
 * "the state store".
 * @internal
 */
export function entryLocation(store: StateStore, key: string): string {
  return locators.get(store)?.(key) ?? 'the state store';
}
