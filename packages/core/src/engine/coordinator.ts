import { isSyncErrorWithCode } from '../errors.js';
import type { SyncReport } from '../observability/report.js';
import { keys } from '../store/state.js';
import type { StateStore } from '../store/state-store.js';

/**
 * One sync per user at a time. Inside a process, triggers that arrive while a sync runs join it (and
 * make it run once more, so data that arrived meanwhile is fetched); across processes a lease in the
 * store decides, and a trigger that finds the lease taken leaves its notification in `pending/<user>`
 * for the holder (or the next `reconcile`) to drain.
 */
export class SyncCoordinator {
  readonly #running = new Map<string, Slot>();
  readonly #owner = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  readonly #turns: TurnQueue;

  constructor(
    private readonly store: StateStore,
    private readonly leaseSeconds: number,
    maxConcurrent = 4,
  ) {
    this.#turns = new TurnQueue(maxConcurrent);
  }

  /**
   * Runs `execute` under the user's lease, or joins the sync already running.
   * @param busy - Builds the report returned when another process holds the lease.
   */
  async run(userId: string, execute: () => Promise<SyncReport>, busy: () => SyncReport): Promise<SyncReport> {
    const running = this.#running.get(userId);
    if (running) {
      const fetchesBefore = running.fetches;
      running.again = true;
      const settled = await running.done.then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      );
      // Served only by a fetch that began after it joined. A sync past its last fetch (releasing its
      // lease, or at its cap of rounds) never makes one: this trigger then runs a sync of its own,
      // instead of leaving what it announced in `pending/` until some later sync.
      if (running.fetches <= fetchesBefore) return this.run(userId, execute, busy);
      if ('error' in settled) throw settled.error;
      return { ...settled.report, coalesced: true };
    }
    const slot: Slot = { done: undefined as unknown as Promise<SyncReport>, again: false, fetches: 0 };
    // The slot is taken before waiting for a turn, so triggers that arrive meanwhile join this sync.
    slot.done = this.#turns.run(() => this.#leased(userId, slot, execute, busy));
    this.#running.set(userId, slot);
    try {
      return await slot.done;
    } finally {
      this.#running.delete(userId);
    }
  }

  /**
   * Like {@link SyncCoordinator.run}, but never joins a sync already running for the user in this
   * process: waits for it to end, then runs `execute` under the user's lease (triggers that arrive
   * meanwhile join this run and make it call `execute` once more). For `sync.held.assign`, which must
   * run itself, after any sync that could be writing the same weigh-in.
   */
  async runAlone(
    userId: string,
    execute: () => Promise<SyncReport>,
    busy: () => SyncReport,
  ): Promise<SyncReport> {
    for (let running = this.#running.get(userId); running; running = this.#running.get(userId))
      await running.done.catch(() => undefined);
    // No await between the check above and run(): it takes the slot before anything else can.
    return this.run(userId, execute, busy);
  }

  async #leased(
    userId: string,
    slot: Slot,
    execute: () => Promise<SyncReport>,
    busy: () => SyncReport,
  ): Promise<SyncReport> {
    const key = keys.lock(userId);
    let version: number;
    try {
      version = await this.store.put(
        key,
        { owner: this.#owner, at: new Date().toISOString() },
        { ifVersion: null, ttlSeconds: this.leaseSeconds },
      );
    } catch (error) {
      if (isSyncErrorWithCode(error, 'STORE_CONFLICT')) return busy();
      throw error;
    }
    // Keep the lease alive through long syncs (backfill).
    const renew = setInterval(
      () => {
        this.store
          .put(
            key,
            { owner: this.#owner, at: new Date().toISOString() },
            { ifVersion: version, ttlSeconds: this.leaseSeconds },
          )
          .then((next) => {
            version = next;
          })
          .catch(() => undefined);
      },
      Math.max(1000, (this.leaseSeconds * 1000) / 3),
    );
    renew.unref();
    try {
      slot.fetches += 1;
      let report = await execute();
      // Another trigger arrived meanwhile (here, or as a pending notification from another process).
      for (
        let rounds = 0;
        rounds < 3 && ((await this.#hasPending(userId, report)) || slot.again);
        rounds += 1
      ) {
        slot.again = false;
        slot.fetches += 1;
        report = mergeReports(report, await execute());
      }
      return report;
    } finally {
      clearInterval(renew);
      await this.store.delete(key, { ifVersion: version }).catch(() => undefined);
    }
  }

  async #hasPending(userId: string, report: SyncReport): Promise<boolean> {
    // A failed sync keeps its pending record on purpose: reconcile retries it later.
    if (report.failed.length > 0 || report.dryRun) return false;
    // Webhooks that arrived during a webhook sync are the debounce window's closing sync to drain:
    // running again here would let a flood buy a third sync per window.
    if (report.trigger === 'webhook') return false;
    return (await this.store.get(keys.pending(userId))) !== undefined;
  }
}

/** A user's sync running in this process. */
interface Slot {
  done: Promise<SyncReport>;
  /** A trigger joined after the last fetch began: fetch once more. */
  again: boolean;
  /** Fetches begun (calls of `execute`): tells a joined trigger whether one began after it. */
  fetches: number;
}

/** At most `size` tasks at once; the others wait in arrival order. */
class TurnQueue {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.size) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active += 1;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The turn passes straight to the next waiter, so #active stays counted for it.
      if (next) next();
      else this.#active -= 1;
    }
  }
}

/** Two consecutive runs reported as one: everything synced and failed, the last run's skips. */
export function mergeReports(first: SyncReport, second: SyncReport): SyncReport {
  const later = (a: string) => !second.failed.some((f) => f.groupIds.join() === a);
  return {
    ...second,
    startedAt: first.startedAt,
    durationMs: first.durationMs + second.durationMs,
    synced: [...first.synced, ...second.synced],
    failed: [...first.failed.filter((f) => later(f.groupIds.join())), ...second.failed],
    upstreamCalls: {
      withings: first.upstreamCalls.withings + second.upstreamCalls.withings,
      garmin: first.upstreamCalls.garmin + second.upstreamCalls.garmin,
    },
    ...mergedHeld(first, second),
  };
}

function mergedHeld(first: SyncReport, second: SyncReport): Pick<SyncReport, 'held'> {
  if (!first.held) return second.held ? { held: second.held } : {};
  if (!second.held) return { held: first.held };
  const a = first.held;
  const b = second.held;
  return {
    held: {
      held: [...a.held, ...b.held],
      expired: [...a.expired, ...b.expired],
      reattributed: [...a.reattributed, ...b.reattributed],
      assigned: [...a.assigned, ...b.assigned],
      dismissed: [...a.dismissed, ...b.dismissed],
    },
  };
}
