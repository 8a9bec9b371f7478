import type { Engine } from '../context.js';
import type { CursorRecord } from '../store/state.js';
import type { SyncRequest } from './run.js';

const DAY_MS = 86_400_000;
/** Re-read a little before the cursor: the ledger makes the overlap free, and clocks differ. */
const CURSOR_OVERLAP_MS = 5 * 60_000;

/**
 * Where the Withings fetch starts (`lastupdate`: created or changed since). The cursor alone decides,
 * minus an overlap; only a person can widen it (`syncRecent({ days })`). Webhook notifications and
 * the pending record they leave are public input, so neither moves it: `lastupdate` already returns
 * late and edited groups whatever their measurement date, and history is read only by a backfill.
 */
export function sinceOf(
  engine: Engine,
  request: SyncRequest,
  now: Date,
  cursor: CursorRecord | undefined,
): Date {
  const floor = cursor
    ? cursor.lastUpdate * 1000 - CURSOR_OVERLAP_MS
    : now.getTime() - engine.config.initialLookbackDays * DAY_MS;
  const personal = request.trigger === 'recent' || request.trigger === 'manual';
  return new Date(personal && request.since ? Math.min(floor, request.since.getTime()) : floor);
}
