import { keys, type PendingRecord, update } from './state.js';
import type { StateStore } from './store/state-store.js';

interface Batch {
  since: number;
  count: number;
  firstAt: string;
  lastAt: string;
  unlinkReportedAt?: string;
  written: Promise<void>;
}

/**
 * Records webhook notifications in `pending/<user>` before they are acknowledged. Notifications for
 * one user that arrive while a write for that user is in flight are folded into the next single
 * write: a burst of N costs two store writes, not N compare-and-swap rounds fighting each other (which
 * used to fail requests once a key saw more than 20 conflicts in a row).
 */
export class PendingWriter {
  /** The batch still taking notifications, per user (its write has not started yet). */
  readonly #open = new Map<string, Batch>();
  /** The newest batch per user, which the next one waits for. */
  readonly #last = new Map<string, Promise<void>>();

  constructor(private readonly store: StateStore) {}

  /**
   * Resolves once the notification is durable in the store (with the others of its batch).
   * @param options.unlink - The notification said the user unlinked wg-sync (to be confirmed).
   */
  record(userId: string, since: number, at: string, options: { unlink?: boolean } = {}): Promise<void> {
    const open = this.#open.get(userId);
    if (open) {
      open.since = Math.min(open.since, since);
      open.count += 1;
      open.lastAt = at;
      if (options.unlink) open.unlinkReportedAt ??= at;
      return open.written;
    }
    const batch: Batch = {
      since,
      count: 1,
      firstAt: at,
      lastAt: at,
      ...(options.unlink ? { unlinkReportedAt: at } : {}),
      written: Promise.resolve(),
    };
    const previous = this.#last.get(userId) ?? Promise.resolve();
    batch.written = previous
      .catch(() => undefined)
      .then(() => {
        // From here on, newcomers start the next batch.
        if (this.#open.get(userId) === batch) this.#open.delete(userId);
        return update<PendingRecord>(this.store, keys.pending(userId), (current) => ({
          since: Math.min(current?.since ?? Number.POSITIVE_INFINITY, batch.since),
          count: (current?.count ?? 0) + batch.count,
          firstAt: current?.firstAt ?? batch.firstAt,
          lastAt: batch.lastAt,
          ...(current?.unlinkReportedAt || batch.unlinkReportedAt
            ? { unlinkReportedAt: current?.unlinkReportedAt ?? batch.unlinkReportedAt }
            : {}),
        }));
      })
      .then(() => undefined)
      .finally(() => {
        if (this.#last.get(userId) === batch.written) this.#last.delete(userId);
      });
    this.#open.set(userId, batch);
    this.#last.set(userId, batch.written);
    return batch.written;
  }
}
