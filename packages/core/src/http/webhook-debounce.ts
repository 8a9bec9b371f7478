import { isSyncErrorWithCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { type DebounceRecord, keys } from '../store/state.js';
import type { StateStore, VersionedValue } from '../store/state-store.js';

/** What one webhook notification may cause, decided per user and window. */
export type DebounceTurn =
  /** The first notification of a window: sync now. */
  | { kind: 'now' }
  /** The first one after that in the window: sync once when the window ends (`at`). */
  | { kind: 'later'; at: Date; windowStartedAt: string }
  /** Any other: its notification is already in `pending/<user>`, which one of the two syncs drains. */
  | { kind: 'none' };

/** Users whose last window this process remembers, to answer floods without reading the store. */
const MAX_REMEMBERED = 10_000;
const MAX_ROUNDS = 4;

/**
 * Per-user debounce of webhook-triggered syncs, shared by every process through the store
 * (`debounce/<user>`): at most one sync at the start of a window and one at its end, however many
 * notifications (genuine bursts or forged floods) arrive in between. Withings signs nothing, so
 * notifications are only hints; this bounds what a stranger who knows a user id can make wg-sync
 * spend upstream.
 */
export class WebhookDebounce {
  /**
   * The last window seen per user (with its version when this process wrote it); while its trailing
   * sync is taken, a flood needs no store read.
   */
  readonly #known = new Map<string, { record: DebounceRecord; version?: number }>();
  /** The newest claim per user still in flight, which the next one waits for. */
  readonly #claims = new Map<string, Promise<DebounceTurn>>();
  readonly #scheduled = new Map<string, { timer: NodeJS.Timeout; fire: () => Promise<void> }>();
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly store: StateStore,
    private readonly windowMs: number,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /**
   * Decides what this notification causes, claiming the window's first or last sync in the store.
   * Claims for one user in this process take turns: only the first of a burst can be `now` and only
   * the next `later`, so the rest find the answer in memory instead of each reading the record and
   * losing a compare-and-swap to its neighbours (ten webhooks for one user used to cost some forty
   * locked store rounds, the ack's slowest part).
   */
  claim(userId: string): Promise<DebounceTurn> {
    const at = this.now().getTime();
    if (this.#trailingTaken(userId, at)) return Promise.resolve({ kind: 'none' });
    const previous = this.#claims.get(userId);
    const turn = previous
      ? previous.then(
          () => this.#claim(userId, at),
          () => this.#claim(userId, at),
        )
      : this.#claim(userId, at);
    this.#claims.set(userId, turn);
    const done = () => {
      if (this.#claims.get(userId) === turn) this.#claims.delete(userId);
    };
    turn.then(done, done);
    return turn;
  }

  async #claim(userId: string, at: number): Promise<DebounceTurn> {
    if (this.#trailingTaken(userId, at)) return { kind: 'none' };
    const key = keys.debounce(userId);
    const known = this.#known.get(userId);
    // What this process wrote last stands in for a first read: if another process wrote since, the
    // compare-and-swap below fails and the next round reads the store.
    const remembered: VersionedValue<DebounceRecord> | undefined =
      known?.version !== undefined ? { value: known.record, version: known.version } : undefined;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const current = round === 0 && remembered ? remembered : await this.store.get<DebounceRecord>(key);
      const start = current ? Date.parse(current.value.windowStartedAt) : Number.NaN;
      const open = current !== undefined && at < start + this.windowMs;
      const next: DebounceRecord = open
        ? { windowStartedAt: current.value.windowStartedAt, trailing: true }
        : { windowStartedAt: new Date(at).toISOString(), trailing: false };
      if (open && current.value.trailing) {
        this.#remember(userId, current.value);
        return { kind: 'none' };
      }
      let version: number;
      try {
        version = await this.#write(key, next, current?.version ?? null, open ? start : at);
      } catch (error) {
        if (isSyncErrorWithCode(error, 'STORE_CONFLICT')) continue; // another process decided first: look again
        throw error;
      }
      this.#remember(userId, next, version);
      return open
        ? { kind: 'later', at: new Date(start + this.windowMs), windowStartedAt: next.windowStartedAt }
        : { kind: 'now' };
    }
    // Still losing races after several rounds: others are claiming this very window.
    return { kind: 'none' };
  }

  #trailingTaken(userId: string, at: number): boolean {
    const known = this.#known.get(userId)?.record;
    return known?.trailing === true && at < Date.parse(known.windowStartedAt) + this.windowMs;
  }

  /**
   * Called when a window's trailing sync is due: opens the next window in its place (so a steady
   * flood costs one sync per window) unless someone already opened one, whose sync drains the
   * pending record instead. `true` means "run the sync".
   */
  async takeTrailing(userId: string, windowStartedAt: string): Promise<boolean> {
    const key = keys.debounce(userId);
    const current = await this.store.get<DebounceRecord>(key);
    if (current && current.value.windowStartedAt !== windowStartedAt) return false;
    const at = this.now().getTime();
    const next: DebounceRecord = { windowStartedAt: new Date(at).toISOString(), trailing: false };
    let version: number;
    try {
      version = await this.#write(key, next, current?.version ?? null, at);
    } catch (error) {
      if (isSyncErrorWithCode(error, 'STORE_CONFLICT')) return false;
      throw error;
    }
    this.#remember(userId, next, version);
    return true;
  }

  /**
   * Runs `sync` when the window ends, in this process (an unref'd timer: a process that stops
   * first leaves the notification in `pending/<user>`, which the next sync or reconcile drains).
   */
  schedule(userId: string, at: Date, windowStartedAt: string, sync: () => Promise<unknown>): void {
    if (this.#scheduled.has(userId)) return;
    const fire = async () => {
      const entry = this.#scheduled.get(userId);
      if (entry?.fire !== fire) return;
      clearTimeout(entry.timer);
      this.#scheduled.delete(userId);
      const run = (async () => {
        try {
          if (await this.takeTrailing(userId, windowStartedAt)) await sync();
        } catch (error) {
          this.log.error('webhook.debounced-sync.failed', { userId, error });
        }
      })();
      this.#running.add(run);
      try {
        await run;
      } finally {
        this.#running.delete(run);
      }
    };
    const timer = setTimeout(() => void fire(), Math.max(0, at.getTime() - this.now().getTime()));
    timer.unref();
    this.#scheduled.set(userId, { timer, fire });
  }

  /** Runs every scheduled trailing sync now and waits for them (graceful shutdown, tests). */
  async flush(): Promise<void> {
    while (this.#scheduled.size > 0 || this.#running.size > 0) {
      await Promise.all([...[...this.#scheduled.values()].map((entry) => entry.fire()), ...this.#running]);
    }
  }

  #write(key: string, value: DebounceRecord, ifVersion: number | null, startMs: number): Promise<number> {
    // Kept a window past its end, so the record of a trailing sync outlives the window it closes.
    const ttlSeconds = Math.ceil((startMs + 2 * this.windowMs - this.now().getTime()) / 1000);
    return this.store.put(key, value, { ifVersion, ttlSeconds: Math.max(1, ttlSeconds) });
  }

  #remember(userId: string, record: DebounceRecord, version?: number): void {
    this.#known.delete(userId);
    this.#known.set(userId, version === undefined ? { record } : { record, version });
    for (const oldest of this.#known.keys()) {
      if (this.#known.size <= MAX_REMEMBERED) break;
      this.#known.delete(oldest);
    }
  }
}
