import { isSyncErrorWithCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { StateStore, VersionedValue } from '../store/state-store.js';
import {
  type Block,
  BUDGET_KEY,
  type BudgetRecord,
  COUNTED_MS,
  callsLeft,
  freedIn,
  type Lease,
  parseRecord,
  storedBackoff,
} from './withings-budget-record.js';
import {
  BACKGROUND_SHARE,
  type BudgetLack,
  budgetRefusal,
  type WithingsBudgetPriority,
} from './withings-budget-terms.js';

// Withings limits calls per application (status 601 with `wait_seconds`), so every process of a
// deployment (concurrent Lambdas, a server and a CLI) shares one budget. It lives in the store, not in
// SQS concurrency: a queue's MaximumConcurrency bounds syncs at once, not calls per minute (a sync
// makes one call or ten, quick or slow), does not cover calls made outside the queue (webhook syncs
// without a queue, the CLI, reconcile's subscription checks, serve), and cannot tell a person waiting
// for a weigh-in from a reconcile pass. A store write per call would double every call's cost and
// serialise them on one item, so processes lease small blocks of calls by compare-and-swap instead.

/** The longest a call waits for a free slot before failing with `RATE_LIMITED` (it is retried later). */
const MAX_WAIT_MS = 10_000;
const CAS_ATTEMPTS = 8;

export {
  BACKGROUND_SHARE,
  budgetPriorityOf,
  WithingsBudgetError,
  type WithingsBudgetPriority,
} from './withings-budget-terms.js';

/** Options of {@link WithingsBudget}. */
export interface WithingsBudgetOptions {
  store: StateStore;
  /** Calls per minute for the whole application (every process). */
  perMinute: number;
  now: () => Date;
  log: Logger;
  /** How waits are waited (tests pass one that moves their clock). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The application-wide Withings budget of one process. `take` before every Withings call: it spends a
 * call of the block this process leased (no store access), and leases the next block when that one is
 * spent or stale. `prepare` at the start of a sync reads the record (so a 601 another process met is
 * seen) and leases a block beside the sync's other reads, so its first call does not wait for the store.
 */
export class WithingsBudget {
  readonly #options: WithingsBudgetOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #owner = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly #maxBlock: number;
  readonly #blocks: Partial<Record<WithingsBudgetPriority, Block>> = {};
  readonly #leasing: Partial<Record<WithingsBudgetPriority, Promise<BudgetLack | undefined>>> = {};
  #backoffUntil = 0;
  #reading: Promise<VersionedValue<unknown> | undefined> | undefined;
  /**
   * The record as this process last read or wrote it, for a lease to swap on without a read: if
   * another process wrote since (a lease, a 601), the swap fails and the lease reads it.
   */
  #known: { entry: VersionedValue<unknown> | undefined; until: number } | undefined;
  #leases = 0;
  #waiting = 0;

  constructor(options: WithingsBudgetOptions) {
    this.#options = options;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#maxBlock = Math.max(1, Math.ceil(options.perMinute / 20));
  }

  /**
   * Reads the shared record and, when this process has no block to spend, leases one (`expected`
   * calls). Never rejects: a store failure here is met again, and reported, by `take`.
   */
  async prepare(priority: WithingsBudgetPriority, expected = 2): Promise<void> {
    try {
      // A lease swaps on what this process knows (see #known), or on no record once that is past its
      // time to live; with none to take, the record is read to see a 601 another process met.
      const known = this.#known;
      if (known && this.#left(priority) < expected && !this.#localBackoff()) {
        const alive = this.#options.now().getTime() < known.until;
        await this.#lease(priority, expected, { entry: alive ? known.entry : undefined });
        return;
      }
      const entry = await this.#read();
      if (this.#lackFrom(entry) || this.#left(priority) >= expected) return;
      await this.#lease(priority, expected, { entry });
    } catch (error) {
      this.#options.log.debug('withings.budget.prepare-failed', { error });
    }
  }

  /**
   * One Withings call. Waits (up to 10 s) for a free slot, else throws.
   * @throws {@link WithingsBudgetError} when the deployment backs off or the budget has no call left.
   */
  async take(priority: WithingsBudgetPriority): Promise<void> {
    let waited = 0;
    this.#waiting += 1;
    try {
      for (;;) {
        let lack = this.#localBackoff();
        if (!lack) {
          if (this.#spend(priority)) return;
          lack = await this.#refill(priority);
          if (!lack) continue;
        }
        if (waited + lack.waitMs > MAX_WAIT_MS) throw budgetRefusal(lack, priority, this.#options);
        waited += Math.max(lack.waitMs, 1);
        await this.#sleep(Math.max(lack.waitMs, 1));
      }
    } finally {
      this.#waiting -= 1;
    }
  }

  /**
   * Withings answered 601: every process waits `waitMs` (stored, so the others see it on their next
   * sync or block), this one at once. Logged at `warn`.
   */
  async backOff(waitMs: number): Promise<void> {
    const until = this.#options.now().getTime() + Math.max(waitMs, 1000);
    this.#backoffUntil = Math.max(this.#backoffUntil, until);
    delete this.#blocks.interactive;
    delete this.#blocks.background;
    const untilIso = new Date(this.#backoffUntil).toISOString();
    this.#options.log.warn('withings.budget.backoff', {
      waitSeconds: Math.round(waitMs / 1000),
      until: untilIso,
      message: `Withings answered 601 (too many requests for this application): no process of this deployment calls Withings until ${untilIso}; what is missed is synced afterwards`,
    });
    await this.#update((record) => {
      const stored = record.backoffUntil ? Date.parse(record.backoffUntil) : 0;
      return stored >= this.#backoffUntil ? undefined : { ...record, backoffUntil: untilIso };
    }).catch((error: unknown) =>
      this.#options.log.error('withings.budget.store-failed', {
        error,
        message: 'the 601 backoff could not be stored: only this process backs off',
      }),
    );
  }

  /**
   * How long this process knows the deployment still holds off Withings (a 601's `wait_seconds`,
   * its own or one read from the store), in ms; 0 when it does not.
   */
  backoffRemainingMs(): number {
    return Math.max(0, this.#backoffUntil - this.#options.now().getTime());
  }

  #left(priority: WithingsBudgetPriority): number {
    const now = this.#options.now().getTime();
    const background = priority === 'interactive' ? callsLeft(this.#blocks.background, now) : 0;
    return callsLeft(this.#blocks[priority], now) + background;
  }

  /** Spends one call of a usable block (an interactive call may spend a background block too). */
  #spend(priority: WithingsBudgetPriority): boolean {
    const now = this.#options.now().getTime();
    const order: WithingsBudgetPriority[] =
      priority === 'interactive' ? ['interactive', 'background'] : ['background'];
    for (const p of order) {
      const block = this.#blocks[p];
      if (block && callsLeft(block, now) > 0) {
        block.used += 1;
        return true;
      }
    }
    return false;
  }

  #localBackoff(): BudgetLack | undefined {
    const waitMs = this.#backoffUntil - this.#options.now().getTime();
    return waitMs > 0 ? { reason: 'backoff', waitMs } : undefined;
  }

  /** One lease in flight per priority; concurrent callers wait for it. */
  #refill(priority: WithingsBudgetPriority): Promise<BudgetLack | undefined> {
    const inFlight = this.#leasing[priority];
    if (inFlight) return inFlight;
    const lease = this.#lease(priority, this.#waiting).finally(() => {
      delete this.#leasing[priority];
    });
    this.#leasing[priority] = lease;
    return lease;
  }

  /** Leases a block of about `want` calls by compare-and-swap, or says what is lacking. */
  async #lease(
    priority: WithingsBudgetPriority,
    want: number,
    first?: { entry: VersionedValue<unknown> | undefined },
  ): Promise<BudgetLack | undefined> {
    let entry = first?.entry;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      // The first round swaps on `first` when given (a read, or what this process knows).
      if (attempt > 0 || !first) entry = await this.#read(attempt > 0);
      const lack = this.#lackFrom(entry);
      if (lack) return lack;
      const now = this.#options.now().getTime();
      const record = parseRecord(entry?.value, now);
      const cap = priority === 'interactive' ? this.#options.perMinute : this.#backgroundCap();
      const used = record.leases.reduce((sum, l) => sum + l.calls, 0);
      if (used >= cap) return { reason: 'exhausted', waitMs: freedIn(record.leases, used - cap + 1, now) };
      const size = Math.min(cap - used, this.#nextSize(priority, want));
      this.#leases += 1;
      const lease: Lease = { id: `${this.#owner}-${this.#leases}`, at: now, calls: size };
      const next: BudgetRecord = { ...record, leases: [...record.leases, lease] };
      try {
        await this.#write(next, entry, now);
        this.#blocks[priority] = { at: now, size, used: 0 };
        return undefined;
      } catch (error) {
        if (!isSyncErrorWithCode(error, 'STORE_CONFLICT')) throw error;
        // Another process leased meanwhile: read again and retry.
      }
    }
    return { reason: 'exhausted', waitMs: 50 };
  }

  /** Twice the last block when it was spent in time (a busy process), else what is asked for. */
  #nextSize(priority: WithingsBudgetPriority, want: number): number {
    const last = this.#blocks[priority];
    const busy = last && last.used >= last.size ? last.size * 2 : 1;
    return Math.min(this.#maxBlock, Math.max(1, want, busy));
  }

  #backgroundCap(): number {
    return Math.max(1, Math.floor(this.#options.perMinute * BACKGROUND_SHARE));
  }

  /** A stored backoff (another process's 601), remembered here too. */
  #lackFrom(entry: VersionedValue<unknown> | undefined): BudgetLack | undefined {
    this.#backoffUntil = Math.max(this.#backoffUntil, storedBackoff(entry?.value));
    return this.#localBackoff();
  }

  /** A fresh read, or the one already in flight (concurrent syncs share it). */
  #read(fresh = false): Promise<VersionedValue<unknown> | undefined> {
    if (this.#reading && !fresh) return this.#reading;
    const reading = this.#options.store
      .get(BUDGET_KEY)
      // Read without its time to live: good for a swap while the shortest one a write gives lasts.
      .then((entry) => this.#remember(entry, COUNTED_MS))
      .finally(() => {
        if (this.#reading === reading) this.#reading = undefined;
      });
    this.#reading = reading;
    return reading;
  }

  async #write(
    record: BudgetRecord,
    entry: VersionedValue<unknown> | undefined,
    now: number,
  ): Promise<number> {
    const backoff = record.backoffUntil ? Date.parse(record.backoffUntil) - now : 0;
    // The record is only worth keeping while something in it counts.
    const ttlSeconds = Math.ceil(Math.max(COUNTED_MS, backoff) / 1000) + 1;
    const version = await this.#options.store.put(BUDGET_KEY, record, {
      ifVersion: entry?.version ?? null,
      ttlSeconds,
    });
    this.#remember({ value: record, version }, ttlSeconds * 1000);
    return version;
  }

  #remember<T extends VersionedValue<unknown> | undefined>(entry: T, ttlMs: number): T {
    this.#known = { entry, until: this.#options.now().getTime() + ttlMs - 1000 };
    return entry;
  }

  async #update(change: (record: BudgetRecord) => BudgetRecord | undefined): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const entry = await this.#read(true);
      const now = this.#options.now().getTime();
      const next = change(parseRecord(entry?.value, now));
      if (!next) return;
      try {
        await this.#write(next, entry, now);
        return;
      } catch (error) {
        if (!isSyncErrorWithCode(error, 'STORE_CONFLICT')) throw error;
      }
    }
    throw new Error(`${BUDGET_KEY} kept changing under ${CAS_ATTEMPTS} writes`);
  }
}
