import type { LedgerRecord } from '../store/state.js';

/**
 * One group in a {@link RecentIndexRecord}: what the ledger entry says, and what deleting the record
 * needs (so a deletion never lists the ledger).
 */
export interface RecentGroup {
  /** ISO instant of the weigh-in. */
  takenAt: string;
  weightKg?: number;
  fatPercent?: number;
  how: LedgerRecord['how'];
  /** The destination's id of the record (Garmin's `samplePk`, an intervals.icu day). */
  storedId?: string;
  /** What the destination needs beside the id to delete it (Garmin: the `calendarDate`). */
  deleteHint?: string;
  /** Withings' `modified` when the entry was written. */
  modifiedAt?: string;
}

/**
 * The weigh-ins one destination synced for one account recently (`recent/<user>` for Garmin,
 * `destinations/<id>/recent/<user>` for the others): one small record, kept with `syncDeletions`
 * beside the ledger and pruned to the deletion window, so that finding deletions reads one entry
 * instead of years of ledger entries. A store without it (every store before `syncDeletions`) gets
 * one on its first sync with deletions followed, from that sync's read of the window.
 */
export interface RecentIndexRecord {
  groups: Record<string, RecentGroup>;
  /**
   * When the groups the ledger already held were added from a read of the window. Until then (an
   * index begun by ledger writes alone) the next sync that reads the window adds them.
   */
  seededAt?: string;
}

const DAY_MS = 86_400_000;
/** More groups than this (a scale shared by many, years of a broken clock) drop the oldest. */
export const RECENT_INDEX_MAX_GROUPS = 2000;

/** `index` with `changes` applied (undefined removes a group), pruned to `windowDays` (+2) before `now`. */
export function nextIndex(
  index: RecentIndexRecord | undefined,
  changes: ReadonlyArray<[groupId: string, group: RecentGroup | undefined]>,
  { now, windowDays, seeded }: { now: Date; windowDays: number; seeded?: boolean },
): RecentIndexRecord {
  const groups: Record<string, RecentGroup> = { ...index?.groups };
  for (const [groupId, group] of changes) {
    if (group) groups[groupId] = group;
    else delete groups[groupId];
  }
  const oldest = now.getTime() - (windowDays + 2) * DAY_MS;
  const kept = Object.entries(groups)
    .filter(([, group]) => Date.parse(group.takenAt) >= oldest)
    .sort(([, a], [, b]) => Date.parse(b.takenAt) - Date.parse(a.takenAt))
    .slice(0, RECENT_INDEX_MAX_GROUPS);
  const seededAt = seeded ? now.toISOString() : index?.seededAt;
  return { groups: Object.fromEntries(kept), ...(seededAt ? { seededAt } : {}) };
}
