import { type CursorRecord, keys, type LedgerRecord } from '../store/state.js';
import type { StateStore } from '../store/state-store.js';

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
};

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
  ) {}

  /** Group ids of the list that are not in the ledger yet. */
  async missing(groupIds: readonly string[]): Promise<string[]> {
    const hits = await Promise.all(groupIds.map((id) => this.store.get(this.key(id))));
    return groupIds.filter((_, i) => !hits[i]);
  }

  /** Records every group id of a weigh-in or reading, with the destination's id of the record. */
  async write(groupIds: readonly string[], entry: Omit<LedgerRecord, 'garminSamplePk'>, storedId?: string) {
    const record: DestinationLedgerRecord = { ...entry };
    if (storedId !== undefined) {
      if (this.destinationId === GARMIN_DESTINATION_ID && /^\d+$/.test(storedId))
        record.garminSamplePk = Number(storedId);
      else record.storedId = storedId;
    }
    await Promise.all(groupIds.map((id) => this.store.put(this.key(id), record)));
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
