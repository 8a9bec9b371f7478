import { isSyncErrorWithCode } from '../errors.js';
import { keys, type PendingRecord } from '../store/state.js';
import type { StateStore, VersionedValue } from '../store/state-store.js';

interface Batch {
  since: number;
  count: number;
  firstAt: string;
  lastAt: string;
  unlinkReportedAt?: string;
}

/** What a batch's write left in the store, or `undefined` when it failed (the next one reads). */
type Written = VersionedValue<PendingRecord> | undefined;

const MAX_CONFLICTS = 20;

/**
 * Records webhook notifications in `pending/<user>` before they are acknowledged. Notifications for
 * one user that arrive while a write for that user is in flight are folded into the next single
 * write: a burst of N costs two store writes, not N compare-and-swap rounds fighting each other (which
 * used to fail requests once a key saw more than 20 conflicts in a row).
 */
export class PendingWriter {
  /** The batch still taking notifications, per user (its write has not started yet). */
  readonly #open = new Map<string, { batch: Batch; durable: Promise<void> }>();
  /** The newest write per user, which the next one waits for; never rejects. */
  readonly #last = new Map<string, Promise<Written>>();

  constructor(private readonly store: StateStore) {}

  /**
   * Resolves once the notification is durable in the store (with the others of its batch).
   * @param options.unlink - The notification said the user unlinked wg-sync (to be confirmed).
   */
  record(userId: string, since: number, at: string, options: { unlink?: boolean } = {}): Promise<void> {
    const open = this.#open.get(userId);
    if (open) {
      const { batch } = open;
      batch.since = Math.min(batch.since, since);
      batch.count += 1;
      batch.lastAt = at;
      if (options.unlink) batch.unlinkReportedAt ??= at;
      return open.durable;
    }
    const batch: Batch = {
      since,
      count: 1,
      firstAt: at,
      lastAt: at,
      ...(options.unlink ? { unlinkReportedAt: at } : {}),
    };
    // A first write waits for the end of this turn of the event loop: the burst's other requests
    // parsed in it (one connection each) join this batch instead of queueing one write each behind it.
    const previous = this.#last.get(userId) ?? endOfTurn();
    const written = previous.then((before) => {
      // From here on, newcomers start the next batch.
      if (this.#open.get(userId)?.batch === batch) this.#open.delete(userId);
      return this.#write(userId, batch, before);
    });
    const durable = written.then(() => undefined);
    const settled = written.catch(() => undefined);
    void settled.then(() => {
      if (this.#last.get(userId) === settled) this.#last.delete(userId);
    });
    this.#open.set(userId, { batch, durable });
    this.#last.set(userId, settled);
    return durable;
  }

  /**
   * Adds `batch` to the user's record by compare-and-swap. What the write just before it left (or, with
   * none, no record at all) stands in for the first read: within a burst the record is this process's
   * own, and a burst of writes then costs a write each instead of a read and a write. If anyone wrote
   * since (a sync that drained the record, another process), the version differs, the swap fails and
   * the record is read again.
   */
  async #write(userId: string, batch: Batch, before: Written): Promise<Written> {
    const key = keys.pending(userId);
    // Without a write of its own to go on, the first try assumes there is no record: the sync that
    // handled the last notification dropped it. If one is there, the swap fails and it is read.
    let current = before;
    for (let conflicts = 0; ; conflicts += 1) {
      const value = merged(current?.value, batch);
      try {
        const version = await this.store.put(key, value, { ifVersion: current?.version ?? null });
        return { value, version };
      } catch (error) {
        if (!isSyncErrorWithCode(error, 'STORE_CONFLICT') || conflicts >= MAX_CONFLICTS) throw error;
      }
      current = await this.store.get<PendingRecord>(key);
    }
  }
}

function endOfTurn(): Promise<Written> {
  return new Promise((resolve) => setImmediate(resolve, undefined));
}

function merged(current: PendingRecord | undefined, batch: Batch): PendingRecord {
  return {
    since: Math.min(current?.since ?? Number.POSITIVE_INFINITY, batch.since),
    count: (current?.count ?? 0) + batch.count,
    firstAt: current?.firstAt ?? batch.firstAt,
    lastAt: batch.lastAt,
    ...(current?.unlinkReportedAt || batch.unlinkReportedAt
      ? { unlinkReportedAt: current?.unlinkReportedAt ?? batch.unlinkReportedAt }
      : {}),
  };
}
