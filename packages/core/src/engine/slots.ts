import type { Engine } from '../context.js';
import { accountPages } from './account-pages.js';
import type { WorkQueue } from './work.js';

const MINUTE_MS = 60_000;
/** The scheduled tick's period, and the default window it enqueues. */
export const DEFAULT_WINDOW_MS = 15 * MINUTE_MS;
/** SQS's longest `DelaySeconds`: a window longer than this could not delay its last slots. */
const MAX_WINDOW_MS = 900_000;

/** What {@link Sync.work}'s `enqueueDueReconciles` did. */
export interface EnqueueReport {
  /** Account records listed (linked and unlinked). */
  listed: number;
  /** `reconcile` messages sent: the linked accounts whose slot falls in the window. */
  enqueued: number;
  durationMs: number;
}

/** Options of `sync.work.enqueueDueReconciles`. */
export interface EnqueueOptions {
  /** The tick's instant (default the engine's clock). */
  now?: Date;
  /** The window's length (default 15 min, at most 15 min: SQS delays a message by 900 s at most). */
  windowMs?: number;
}

/**
 * Where in each interval an account's reconcile falls: a stable offset in ms in `[0, intervalMs)`,
 * from the 32-bit FNV-1a hash of its user id (with murmur3's finalizer). Stable across processes and restarts, so an account is
 * reconciled once per interval at the same minute, and spread evenly, so 10 000 accounts make a
 * flat load instead of a burst at :00.
 *
 * @example
 * ```ts
 * reconcileSlot('12345', 6 * 3_600_000); // the same number of ms into every 6-hour interval, on every machine
 * ```
 */
export function reconcileSlot(userId: string, intervalMs: number): number {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError('intervalMs must be positive');
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(userId)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // FNV-1a alone leaves sequential ids (Withings' are) clustered in the high bits the slot reads:
  // murmur3's finalizer spreads them.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash = (hash ^ (hash >>> 16)) >>> 0;
  return Math.floor((hash / 2 ** 32) * intervalMs);
}

/**
 * The window `[start, start + windowMs)` a tick at `now` stands for. The start is `now` rounded to
 * the nearest multiple of `windowMs` (from the epoch), so a schedule that fires a little early or late
 * (under half a window) neither skips a slot nor enqueues one twice.
 */
export function windowAt(now: number, windowMs: number): { start: number; end: number } {
  const start = Math.round(now / windowMs) * windowMs;
  return { start, end: start + windowMs };
}

/**
 * Lists the accounts a page at a time (never all in memory) and sends one `reconcile` message per
 * linked account whose slot ({@link reconcileSlot}) falls in this tick's window, delayed until the
 * slot (0–900 s). Called every `windowMs` (the Lambda's 15-minute schedule, `wg-sync serve`'s
 * timer), each account gets one message per interval.
 */
export async function enqueueDueReconciles(
  engine: Engine,
  queue: WorkQueue,
  options: EnqueueOptions & { intervalMs: number },
): Promise<EnqueueReport> {
  const t0 = performance.now();
  const now = (options.now ?? engine.config.now()).getTime();
  const windowMs = options.windowMs ?? Math.min(DEFAULT_WINDOW_MS, options.intervalMs);
  if (!Number.isFinite(windowMs) || windowMs < 1000 || windowMs > MAX_WINDOW_MS)
    throw new RangeError('windowMs must be from 1 000 to 900 000 (15 min)');
  if (windowMs > options.intervalMs)
    throw new RangeError('windowMs must not be longer than the reconcile interval');
  const { start, end } = windowAt(now, windowMs);
  let listed = 0;
  let enqueued = 0;
  for await (const page of accountPages(engine.config.store)) {
    listed += page.length;
    const items: Array<{ message: { v: 1; kind: 'reconcile'; userId: string }; delaySeconds: number }> = [];
    for (const { value: account } of page) {
      if (account.unlinkedAt) continue;
      const due = dueIn(reconcileSlot(account.userId, options.intervalMs), options.intervalMs, start, end);
      if (due === undefined) continue;
      const delaySeconds = Math.min(900, Math.max(0, Math.ceil((due - now) / 1000)));
      items.push({ message: { v: 1, kind: 'reconcile', userId: account.userId }, delaySeconds });
    }
    if (items.length === 0) continue;
    await queue.send(items);
    enqueued += items.length;
  }
  const report = { listed, enqueued, durationMs: Math.round(performance.now() - t0) };
  engine.log.info('reconcile.enqueued', { ...report, windowStart: new Date(start).toISOString(), windowMs });
  return report;
}

/** The instant in `[start, end)` that is `slot` ms into an interval, if there is one. */
function dueIn(slot: number, intervalMs: number, start: number, end: number): number | undefined {
  const due = Math.floor((start - slot) / intervalMs) * intervalMs + slot;
  const first = due < start ? due + intervalMs : due;
  return first < end ? first : undefined;
}
