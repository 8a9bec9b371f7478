// `budget/withings`: what every process of a deployment shares about the Withings budget.

/** The budget's record in the store. */
export const BUDGET_KEY = 'budget/withings';
/** The window Withings counts in. */
const WINDOW_MS = 60_000;
/** How long a leased block may be spent: short, so an idle process cannot sit on calls. */
export const BLOCK_MS = 5_000;
/**
 * A block counts against the budget from its lease until its last call can have left a window:
 * any 60 s then holds at most `perMinute` calls, whoever made them.
 */
export const COUNTED_MS = WINDOW_MS + BLOCK_MS;

/** A block of calls one process leased. */
export interface Lease {
  /** Who leased it (a process and a counter). */
  id: string;
  /** Epoch ms. */
  at: number;
  calls: number;
}

/** A block as the process that leased it spends it. */
export interface Block {
  at: number;
  size: number;
  used: number;
}

/** Calls left in `block` at `now`: none before it starts or once its {@link BLOCK_MS} are over. */
export function callsLeft(block: Block | undefined, now: number): number {
  return block && now >= block.at && now - block.at < BLOCK_MS ? block.size - block.used : 0;
}

/** The blocks leased in the last {@link COUNTED_MS}, and the backoff after a 601. */
export interface BudgetRecord {
  v: 1;
  leases: Lease[];
  /** ISO instant: no process calls Withings before it. */
  backoffUntil?: string;
}

/**
 * The stored record, read tolerantly: unknown fields and versions are left out, malformed leases are
 * dropped (a lost lease only lets a few more calls through), leases past {@link COUNTED_MS} go.
 */
export function parseRecord(raw: unknown, now: number): BudgetRecord {
  const value = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const leases = (Array.isArray(value.leases) ? value.leases : []).filter(
    (l): l is Lease =>
      !!l &&
      typeof l.id === 'string' &&
      Number.isFinite(l.at) &&
      Number.isInteger(l.calls) &&
      l.calls > 0 &&
      l.at > now - COUNTED_MS,
  );
  const until = typeof value.backoffUntil === 'string' ? Date.parse(value.backoffUntil) : Number.NaN;
  return {
    v: 1,
    leases: leases.map(({ id, at, calls }) => ({ id, at, calls })),
    ...(Number.isFinite(until) && until > now ? { backoffUntil: new Date(until).toISOString() } : {}),
  };
}

/** The backoff a stored record holds (epoch ms), or 0. */
export function storedBackoff(raw: unknown): number {
  const until = parseRecord(raw, 0).backoffUntil;
  return until ? Date.parse(until) : 0;
}

/** In how many ms the oldest leases stop counting, enough of them to free `needed` calls. */
export function freedIn(leases: readonly Lease[], needed: number, now: number): number {
  let freed = 0;
  for (const lease of [...leases].sort((a, b) => a.at - b.at)) {
    freed += lease.calls;
    if (freed >= needed) return Math.max(1, lease.at + COUNTED_MS - now);
  }
  return COUNTED_MS;
}
