import { listPages } from '../store/list-pages.js';
import type { AccountRecord } from '../store/state.js';
import type { StateStore } from '../store/state-store.js';

/**
 * Every account record (linked or not), a page at a time in key order: through the store's
 * `listPage` when it has one, so a pass over 10 000 accounts holds one page in memory, never all.
 */
export async function* accountPages(store: StateStore): AsyncGenerator<Array<{ value: AccountRecord }>> {
  for await (const page of listPages<AccountRecord>(store, 'account/')) yield page.entries;
}
