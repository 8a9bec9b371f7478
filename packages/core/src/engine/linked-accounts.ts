import { type AccountRecord, keys } from '../store/state.js';
import {
  describeEntryLocations,
  entryLocation,
  type ListPage,
  type ListPageOptions,
  type StateStore,
  type VersionedValue,
} from '../store/state-store.js';

/** How long this process trusts "this user is linked" without reading the store again. */
export const LINKED_TTL_MS = 5_000;
/** Users remembered as linked at most (the oldest is forgotten first). */
const MAX_LINKED = 10_000;
/** Where account records live (`account/<userId>`). */
export const ACCOUNT_PREFIX = 'account/';

/**
 * The webhook's "is this user linked?", remembered per process so a burst of notifications for a
 * linked user costs no store read. Only a linked answer is remembered: an unknown or unlinked user is
 * read every time (a freshly linked user is never missed; a forged flood is what `Engine.read`
 * coalesces, as before).
 *
 * Every write of an account record through {@link LinkedAccounts.watch}'s store (linking, unlinking,
 * a confirmed unlink, anything the engine writes) forgets that user at once, and a lookup that was
 * reading meanwhile does not put the old answer back. An unlink by another process (the CLI beside
 * `wg-sync serve`) is seen within {@link LINKED_TTL_MS}: until then its webhooks are still acked as
 * known and may leave a pending record, which nothing syncs without the account.
 * @internal
 */
export class LinkedAccounts {
  readonly #linked = new Map<string, { account: VersionedValue<AccountRecord>; until: number }>();
  /** Bumped by every forget: a lookup that started before one must not remember what it read. */
  #epoch = 0;

  constructor(
    private readonly read: <T>(key: string) => Promise<VersionedValue<T> | undefined>,
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = LINKED_TTL_MS,
  ) {}

  /** The user's account record, from memory when it was found linked less than the TTL ago. */
  async get(userId: string): Promise<VersionedValue<AccountRecord> | undefined> {
    const hit = this.#linked.get(userId);
    if (hit && hit.until > this.now()) return hit.account;
    const epoch = this.#epoch;
    const account = await this.read<AccountRecord>(keys.account(userId));
    if (account && !account.value.unlinkedAt && epoch === this.#epoch) {
      this.#linked.delete(userId);
      this.#linked.set(userId, { account, until: this.now() + this.ttlMs });
      for (const oldest of this.#linked.keys()) {
        if (this.#linked.size <= MAX_LINKED) break;
        this.#linked.delete(oldest);
      }
    } else if (!account || account.value.unlinkedAt) {
      this.#linked.delete(userId);
    }
    return account;
  }

  /** Stops answering from memory for `userId` (its account record is being written). */
  forget(userId: string): void {
    this.#epoch += 1;
    this.#linked.delete(userId);
  }

  /** `store`, forgetting a user whenever their account record is written or deleted through it. */
  watch(store: StateStore): StateStore {
    const touched = async <T>(key: string, write: () => Promise<T>): Promise<T> => {
      if (!key.startsWith(ACCOUNT_PREFIX)) return write();
      const userId = key.slice(ACCOUNT_PREFIX.length);
      // Before (no hit while the write is in flight) and after (a lookup that read the old record
      // meanwhile does not keep it).
      this.forget(userId);
      try {
        return await write();
      } finally {
        this.forget(userId);
      }
    };
    // Methods are looked up at each call: tests and the fault matrix patch the inner store's put.
    const watched: StateStore = {
      get: (key) => store.get(key),
      put: (key, value, options) => touched(key, () => store.put(key, value, options)),
      delete: (key, options) => touched(key, () => store.delete(key, options)),
      list: (prefix) => store.list(prefix),
    };
    const { listPage } = store;
    if (listPage)
      watched.listPage = async <T>(prefix: string, options?: ListPageOptions) =>
        (await listPage.call(store, prefix, options)) as ListPage<T>;
    return describeEntryLocations(watched, (key) => entryLocation(store, key));
  }
}
