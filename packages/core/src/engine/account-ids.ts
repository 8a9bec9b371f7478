import { listPages } from '../store/list-pages.js';
import type { AccountRecord } from '../store/state.js';
import type { StateStore } from '../store/state-store.js';

/**
 * The user ids of every linked account (unlinked ones left out), in key order, read a page of
 * account records at a time: only the ids are kept, never every record at once.
 */
export async function linkedUserIds(store: StateStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of listPages<AccountRecord>(store, 'account/')) {
    for (const { value } of page.entries) if (!value.unlinkedAt) ids.push(value.userId);
  }
  return ids;
}
