import { StoreConflictError } from '../errors.js';
import { KeySelection, pageRequest } from './list-pages.js';
import {
  assertValidKey,
  describeEntryLocations,
  firstVersion,
  type ListPageOptions,
  type PutOptions,
  type StateStore,
  type VersionedValue,
} from './state-store.js';

interface Entry {
  json: string;
  version: number;
  expiresAt?: number;
}

/**
 * A {@link StateStore} in this process's memory: for tests and one-off runs. State is lost when the
 * process exits and is not shared between processes; use `fileStore` or `dynamoStore` for real use.
 *
 * @param options.now - Clock for TTL expiry (tests move it).
 */
export function memoryStore(options: { now?: () => Date } = {}): StateStore {
  const entries = new Map<string, Entry>();
  const now = () => (options.now ?? (() => new Date()))().getTime();
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const read = <T>(entry: Entry): VersionedValue<T> => ({
    value: JSON.parse(entry.json) as T,
    version: entry.version,
  });

  const store: StateStore = {
    async get<T>(key: string) {
      assertValidKey(key);
      const entry = live(key);
      return entry ? read<T>(entry) : undefined;
    },
    async put(key: string, value: unknown, { ifVersion, ttlSeconds }: PutOptions = {}) {
      assertValidKey(key);
      const current = live(key);
      if (
        ifVersion !== undefined &&
        (ifVersion === null ? current !== undefined : current?.version !== ifVersion)
      ) {
        throw new StoreConflictError(key);
      }
      const version = current ? current.version + 1 : firstVersion();
      const json = JSON.stringify(value);
      if (json === undefined) throw new TypeError(`state "${key}": value is not JSON`);
      entries.set(key, {
        json,
        version,
        ...(ttlSeconds === undefined ? {} : { expiresAt: now() + ttlSeconds * 1000 }),
      });
      return version;
    },
    async delete(key: string, { ifVersion }: { ifVersion?: number } = {}) {
      assertValidKey(key);
      const current = live(key);
      if (ifVersion !== undefined && current?.version !== ifVersion) throw new StoreConflictError(key);
      entries.delete(key);
    },
    async list<T>(prefix: string) {
      return [...entries.keys()]
        .filter((key) => key.startsWith(prefix))
        .sort()
        .flatMap((key) => {
          const entry = live(key);
          return entry ? [{ key, ...read<T>(entry) }] : [];
        });
    },
    async listPage<T>(prefix: string, options?: ListPageOptions) {
      const request = pageRequest(prefix, options);
      const selection = new KeySelection(prefix, request);
      for (const key of entries.keys()) if (key.startsWith(prefix) && live(key)) selection.offer(key);
      const { keys, more } = selection.result();
      const page = keys.flatMap((key) => {
        const entry = live(key);
        return entry ? [{ key, ...read<T>(entry) }] : [];
      });
      const last = keys.at(-1);
      return more && last ? { entries: page, cursor: last } : { entries: page };
    },
  };
  return describeEntryLocations(store, (key) => `memory store key ${key}`);
}
