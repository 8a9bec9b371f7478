import { StoreError } from '../errors.js';
import { assertValidKey, type ListPage, type ListPageOptions, type StateStore } from './state-store.js';

/** Entries per page when the caller gives no `limit`. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The largest `limit` a page may ask for: a page is what a caller holds in memory. */
export const MAX_PAGE_LIMIT = 1000;

/**
 * Every page of `prefix` in `store`, in key order: through `store.listPage` when the store has it,
 * else its `list()` cut into pages (a store written before `listPage` existed: correct, but it reads
 * everything at once). Always yields at least one page, possibly empty.
 *
 * @param options.limit - Entries per page: 1–1000, default 100.
 * @throws RangeError for a `limit` outside 1–1000.
 * @throws {@link StoreError} when the store answers a page with the cursor it was given (it would
 *   loop forever).
 *
 * @example
 * ```ts
 * for await (const page of listPages<AccountRecord>(store, 'account/')) {
 *   for (const { key, value } of page.entries) console.log(key, value.linkedAt);
 * }
 * ```
 */
export async function* listPages<T = unknown>(
  store: StateStore,
  prefix: string,
  options: { limit?: number } = {},
): AsyncGenerator<ListPage<T>> {
  const limit = pageLimit(options.limit);
  if (!store.listPage) {
    const all = await store.list<T>(prefix);
    for (let start = 0; start === 0 || start < all.length; start += limit) {
      const entries = all.slice(start, start + limit);
      const last = entries.at(-1);
      yield start + limit < all.length && last ? { entries, cursor: last.key } : { entries };
    }
    return;
  }
  let cursor: string | undefined;
  do {
    const page: ListPage<T> = await store.listPage<T>(prefix, { limit, ...(cursor ? { cursor } : {}) });
    if (page.cursor !== undefined && page.cursor === cursor) {
      throw new StoreError(`the store's listPage("${prefix}") answered with the cursor it was given`);
    }
    cursor = page.cursor;
    yield page;
  } while (cursor !== undefined);
}

/**
 * The `limit` of a {@link ListPageOptions}, checked.
 * @throws RangeError outside 1–1000.
 * @internal
 */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new RangeError(`listPage: limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, not ${limit}`);
  }
  return limit;
}

/**
 * The options of a `listPage` call, checked, for stores whose cursor is the last key the previous
 * page examined (every built-in; yours may use it too): that is a valid key under `prefix`.
 * Returns the limit and the key to continue after.
 * @throws RangeError for a bad `limit`; TypeError for a cursor no page of `prefix` gave.
 */
export function pageRequest(
  prefix: string,
  options: ListPageOptions = {},
): { limit: number; after: string | undefined } {
  const limit = pageLimit(options.limit);
  const after = options.cursor;
  if (after === undefined) return { limit, after };
  try {
    assertValidKey(after);
    if (!after.startsWith(prefix)) throw new TypeError('outside the prefix');
  } catch {
    throw new TypeError(`listPage: ${JSON.stringify(after)} is not a cursor of prefix "${prefix}"`);
  }
  return { limit, after };
}

/**
 * Keeps the `limit` smallest keys under `prefix` after `after` from keys offered one at a time, in
 * at most 2 × `limit` strings whatever the number offered: how a store without sorted storage (a
 * directory, a Scan) pages with one page in memory.
 *
 * @example
 * ```ts
 * const request = pageRequest(prefix, options);
 * const selection = new KeySelection(prefix, request);
 * for await (const key of allKeys()) selection.offer(key);
 * const { keys, more } = selection.result(); // read their values; cursor: more ? keys.at(-1) : none
 * ```
 */
export class KeySelection {
  readonly #kept: string[] = [];
  #more = false;

  /** @param request - From {@link pageRequest}. */
  constructor(
    private readonly prefix: string,
    private readonly request: { limit: number; after: string | undefined },
  ) {}

  /** Offers a key; keys outside the prefix or not after the cursor are ignored. */
  offer(key: string): void {
    const { after, limit } = this.request;
    if (!key.startsWith(this.prefix) || (after !== undefined && key <= after)) return;
    this.#kept.push(key);
    if (this.#kept.length >= 2 * limit) this.#trim();
  }

  /** The kept keys in order, and whether more keys were offered after them (so a next page exists). */
  result(): { keys: string[]; more: boolean } {
    this.#trim();
    return { keys: [...this.#kept], more: this.#more };
  }

  #trim(): void {
    this.#kept.sort();
    if (this.#kept.length > this.request.limit) {
      this.#kept.length = this.request.limit;
      this.#more = true;
    }
  }
}
