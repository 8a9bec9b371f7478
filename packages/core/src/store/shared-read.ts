import type { StateStore, VersionedValue } from './state-store.js';

/**
 * A reader whose concurrent reads of one key share a single store read: a burst of webhooks for one
 * user looks its account up once, not once per request. Only reads already in flight are shared, so
 * nothing older than the burst is ever returned.
 */
export function sharedReader(store: StateStore): <T>(key: string) => Promise<VersionedValue<T> | undefined> {
  const inFlight = new Map<string, Promise<VersionedValue<unknown> | undefined>>();
  return <T>(key: string) => {
    let read = inFlight.get(key);
    if (!read) {
      read = store.get(key).finally(() => inFlight.delete(key));
      inFlight.set(key, read);
    }
    return read as Promise<VersionedValue<T> | undefined>;
  };
}
