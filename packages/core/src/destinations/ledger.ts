import { type CursorRecord, keys, type LedgerRecord, update } from '../store/state.js';
import type { StateStore } from '../store/state-store.js';
import { nextIndex, type RecentGroup, type RecentIndexRecord } from './recent-index.js';

/** The built-in destination's id. */
export const GARMIN_DESTINATION_ID = 'garmin';

/**
 * Where a destination's ledger entries and cursor live. Garmin, the only destination of every earlier
 * version, keeps the keys those versions wrote (`ledger/<user>/<grpid>`, `cursor/<user>`), so an
 * upgraded store is read as it is, with no migration to crash in the middle of. Other destinations
 * get keys of their own under `destinations/<id>/`.
 */
export const destinationKeys = {
  ledger: (destinationId: string, userId: string, groupId: string) =>
    destinationId === GARMIN_DESTINATION_ID
      ? keys.ledger(userId, groupId)
      : `destinations/${destinationId}/ledger/${userId}/${groupId}`,
  cursor: (destinationId: string, userId: string) =>
    destinationId === GARMIN_DESTINATION_ID
      ? keys.cursor(userId)
      : `destinations/${destinationId}/cursor/${userId}`,
  /** The {@link RecentIndexRecord} of recently synced weigh-ins (with `syncDeletions`). */
  recent: (destinationId: string, userId: string) =>
    destinationId === GARMIN_DESTINATION_ID
      ? keys.recent(userId)
      : `destinations/${destinationId}/recent/${userId}`,
};

/** With `syncDeletions`: the ledger keeps its {@link RecentIndexRecord} too. */
export interface RecentIndexOptions {
  windowDays: number;
  now: () => Date;
}

/** A destination's ledger entry: what wg-sync wrote (or found) there for one Withings group. */
export interface DestinationLedgerRecord extends LedgerRecord {
  /** The destination's id of the record (destinations other than Garmin, which keeps `garminSamplePk`). */
  storedId?: string;
}

/** One destination's ledger and cursor for one account. */
export class DestinationLedger {
  constructor(
    private readonly store: StateStore,
    private readonly destinationId: string,
    private readonly userId: string,
    private readonly index?: RecentIndexOptions,
  ) {}

  /** Group ids of the list that are not in the ledger yet. */
  async missing(groupIds: readonly string[]): Promise<string[]> {
    const hits = await Promise.all(groupIds.map((id) => this.store.get(this.key(id))));
    return groupIds.filter((_, i) => !hits[i]);
  }

  /** The ledger entries of some groups, in order (`undefined`: not in the ledger). */
  async entries(groupIds: readonly string[]): Promise<Array<DestinationLedgerRecord | undefined>> {
    const hits = await Promise.all(
      groupIds.map((id) => this.store.get<DestinationLedgerRecord>(this.key(id))),
    );
    return hits.map((hit) => hit?.value);
  }

  /**
   * Records every group id of a weigh-in or reading, with the destination's id of the record (and,
   * with `syncDeletions`, what deleting it needs: `deleteHint`), then notes a weigh-in in the
   * recent index. In that order: a crash between the two leaves a weigh-in the index does not
   * know, whose deletion is then not followed, never one it knows and the ledger does not.
   */
  async write(
    groupIds: readonly string[],
    entry: Omit<LedgerRecord, 'garminSamplePk'>,
    storedId?: string,
    deleteHint?: string,
  ) {
    const record: DestinationLedgerRecord = { ...entry };
    if (storedId !== undefined) {
      if (this.destinationId === GARMIN_DESTINATION_ID && /^\d+$/.test(storedId))
        record.garminSamplePk = Number(storedId);
      else record.storedId = storedId;
    }
    await Promise.all(groupIds.map((id) => this.store.put(this.key(id), record)));
    if (!this.index || entry.kind !== 'weight') return;
    const group = recentGroupOf(record, storedId, deleteHint);
    await this.changeIndex(groupIds.map((id) => [id, group]));
  }

  /**
   * The tombstone: marks the ledger entries of a deleted weigh-in (`deletedAt`) and drops them from
   * the recent index. Written only once the record is gone, so a crash before it only repeats the
   * deletion, which then finds nothing left to delete.
   */
  async tombstone(groupIds: readonly string[], deletedAt: string): Promise<void> {
    await Promise.all(
      groupIds.map((id) =>
        update<DestinationLedgerRecord>(this.store, this.key(id), (current) => ({
          ...(current ?? { kind: 'weight', how: 'uploaded', takenAt: deletedAt, at: deletedAt }),
          deletedAt,
        })),
      ),
    );
    if (this.index) await this.changeIndex(groupIds.map((id) => [id, undefined]));
  }

  /** The recent index, or `undefined` when the store has none yet. */
  async recent(): Promise<RecentIndexRecord | undefined> {
    return (await this.store.get<RecentIndexRecord>(this.recentKey()))?.value;
  }

  /**
   * Adds the groups the ledger held before the index existed (found in a read of the window) and
   * marks the index seeded. Groups the index already has are kept as they are.
   */
  async seed(groups: ReadonlyArray<[string, RecentGroup]>): Promise<void> {
    await this.changeIndex(groups, true);
  }

  private async changeIndex(
    changes: ReadonlyArray<[string, RecentGroup | undefined]>,
    seeded = false,
  ): Promise<void> {
    const options = this.index;
    if (!options) return;
    await update<RecentIndexRecord>(this.store, this.recentKey(), (current) => {
      const fresh = seeded ? changes.filter(([id]) => !current?.groups[id]) : changes;
      return nextIndex(current, fresh, { now: options.now(), windowDays: options.windowDays, seeded });
    });
  }

  private recentKey(): string {
    return destinationKeys.recent(this.destinationId, this.userId);
  }

  async cursor(): Promise<CursorRecord | undefined> {
    return (await this.store.get<CursorRecord>(destinationKeys.cursor(this.destinationId, this.userId)))
      ?.value;
  }

  /** Moves the cursor forward (never back). @returns the cursor written, epoch seconds. */
  async moveCursor(lastUpdate: number, previous: CursorRecord | undefined): Promise<number> {
    const next = Math.max(previous?.lastUpdate ?? 0, lastUpdate);
    await this.store.put(destinationKeys.cursor(this.destinationId, this.userId), {
      lastUpdate: next,
    } satisfies CursorRecord);
    return next;
  }

  private key(groupId: string): string {
    return destinationKeys.ledger(this.destinationId, this.userId, groupId);
  }
}

/** What the recent index keeps of a ledger entry. */
export function recentGroupOf(
  record: DestinationLedgerRecord,
  storedId = record.storedId ??
    (record.garminSamplePk === undefined ? undefined : String(record.garminSamplePk)),
  deleteHint?: string,
): RecentGroup {
  return {
    takenAt: record.takenAt,
    how: record.how,
    ...(record.weightKg === undefined ? {} : { weightKg: record.weightKg }),
    ...(record.fatPercent === undefined ? {} : { fatPercent: record.fatPercent }),
    ...(storedId === undefined ? {} : { storedId }),
    ...(deleteHint === undefined ? {} : { deleteHint }),
    ...(record.modifiedAt === undefined ? {} : { modifiedAt: record.modifiedAt }),
  };
}
