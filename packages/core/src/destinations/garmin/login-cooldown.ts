import { createHash } from 'node:crypto';
import { StoreCorruptError, SyncError } from '../../errors.js';
import { update } from '../../store/state.js';
import type { StateStore } from '../../store/state-store.js';

/*
 * A password login only ever runs because a person ran `wg-sync garmin login` on their own machine:
 * core, the adapters and `wg-sync serve` never call `garminLogin` (Garmin blocks logins from cloud
 * addresses, and a retried login re-arms its rate limit). Unattended code only refreshes tokens.
 * test/unattended-login.test.ts keeps it that way. This cooldown is the guard for the person's side.
 */

const HOUR_MS = 3600_000;

/**
 * The cooldown rules (protocol §10: Garmin's login rate limit is per account, lasts hours and re-arms
 * when a login is retried during it; hevy2garmin settled on 2 h → 24 h).
 *
 * - `firstMs`: the cooldown after a first rate limit (2 h).
 * - Each further rate limit doubles it (4 h, 8 h, 16 h), up to `maxMs` (24 h).
 * - A longer `Retry-After` wins, up to `maxRetryAfterMs` (7 days: a far-future HTTP date is more
 *   likely a broken header than Garmin's intent, and `--force` remains for a person who knows better).
 * - `strikeMemoryMs`: strikes are forgotten 48 h after the last one (and never while its cooldown
 *   still runs), or at once by {@link GarminLoginCooldown.clear} after a successful login.
 */
export const GARMIN_LOGIN_COOLDOWN = {
  firstMs: 2 * HOUR_MS,
  maxMs: 24 * HOUR_MS,
  maxRetryAfterMs: 7 * 24 * HOUR_MS,
  strikeMemoryMs: 48 * HOUR_MS,
} as const;

/** A running cooldown: no password login for the account before `until`. */
export interface GarminLoginCooldownState {
  /** The first instant a login may be tried again. */
  until: Date;
  /** Rate limits in a row (1 for the first); each one doubles the next cooldown. */
  strikes: number;
}

/** Options of {@link garminLoginCooldown}. */
export interface GarminLoginCooldownOptions {
  /** The clock (tests move it). */
  now?: () => Date;
}

/**
 * The per-account Garmin login cooldown, kept in the state store so every process and every run of
 * the CLI sees it. The CLI calls {@link GarminLoginCooldown.assertAllowed} before a password login
 * (skipped with `--force`), {@link GarminLoginCooldown.recordRateLimit} when Garmin answers the login
 * with `RATE_LIMITED` (HTTP 429, Cloudflare's 1015 page), and {@link GarminLoginCooldown.clear} after
 * a successful one.
 */
export interface GarminLoginCooldown {
  /**
   * The running cooldown for `email`, or `undefined` when a login may be tried now.
   * @throws {@link StoreCorruptError} `STORE_CORRUPT` when the stored entry is not a cooldown record
   *   (it is never reset silently; {@link GarminLoginCooldown.clear} removes it).
   */
  check(email: string): Promise<GarminLoginCooldownState | undefined>;
  /**
   * Resolves when a login may be tried now.
   * @throws {@link GarminLoginCooldownError} `LOGIN_COOLDOWN` while a cooldown runs.
   * @throws {@link StoreCorruptError} as {@link GarminLoginCooldown.check}.
   */
  assertAllowed(email: string): Promise<void>;
  /**
   * Counts a rate-limited login and starts (or lengthens) the cooldown: see
   * {@link GARMIN_LOGIN_COOLDOWN}. Written with compare-and-swap, so two processes that are refused
   * at once both count.
   * @param retryAfterMs - Garmin's `Retry-After` (`GarminApiError.retryAfterMs`), when it sent one.
   * @throws {@link StoreCorruptError} when the stored entry is corrupt (nothing is overwritten).
   */
  recordRateLimit(email: string, retryAfterMs?: number): Promise<GarminLoginCooldownState>;
  /** Forgets the account's cooldown and strikes (after a successful login, or to repair a corrupt entry). */
  clear(email: string): Promise<void>;
}

/**
 * A password login was not tried because Garmin rate-limited this account recently, and every
 * attempt during its limit re-arms it. The message says until when; `--force` (the CLI) tries anyway.
 */
export class GarminLoginCooldownError extends SyncError {
  readonly code = 'LOGIN_COOLDOWN' as const;
  /** The first instant a login may be tried again. */
  readonly until: Date;
  /** Rate limits in a row. */
  readonly strikes: number;

  constructor(state: GarminLoginCooldownState, now: Date = new Date()) {
    super(
      `Garmin rate-limited sign-ins for this account ${state.strikes === 1 ? 'once' : `${state.strikes} times in a row`}; the next attempt waits until ${state.until.toISOString()} (${relative(state.until.getTime() - now.getTime())}), because every attempt before then re-arms Garmin's limit. Pass --force to try anyway, or sign in with --method browser`,
    );
    this.until = state.until;
    this.strikes = state.strikes;
  }
}

/** The stored record (`garmin-login/<hash>`). */
interface CooldownRecord {
  strikes: number;
  /** ISO instant of the last rate limit. */
  lastStrikeAt: string;
  /** ISO instant the cooldown ends. */
  until: string;
}

/** Key prefix of every cooldown entry. */
export const GARMIN_LOGIN_COOLDOWN_PREFIX = 'garmin-login/';

/**
 * The state key of an account's cooldown: a SHA-256 prefix of the trimmed, lower-cased e-mail, so the
 * store (a shared table, a backup) does not hold the address in clear and `Ana@Example.com ` and
 * `ana@example.com` share one cooldown.
 */
export function garminLoginCooldownKey(email: string): string {
  if (typeof email !== 'string' || email.trim() === '')
    throw new TypeError('email must be a non-empty string');
  const hash = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
  return `${GARMIN_LOGIN_COOLDOWN_PREFIX}${hash.slice(0, 32)}`;
}

/**
 * The Garmin login cooldown over a state store (any `StateStore`: `fileStore` for the CLI).
 *
 * @example
 * ```ts
 * const cooldown = garminLoginCooldown(fileStore());
 * if (!force) await cooldown.assertAllowed(email); // throws GarminLoginCooldownError
 * try {
 *   tokens = await garminLogin({ email, password });
 *   await cooldown.clear(email);
 * } catch (error) {
 *   if (isGarminApiError(error, 'RATE_LIMITED')) await cooldown.recordRateLimit(email, error.retryAfterMs);
 *   throw error;
 * }
 * ```
 */
export function garminLoginCooldown(
  store: StateStore,
  options: GarminLoginCooldownOptions = {},
): GarminLoginCooldown {
  const now = options.now ?? (() => new Date());
  const read = async (email: string) => {
    const key = garminLoginCooldownKey(email);
    const entry = await store.get<unknown>(key);
    return { key, record: entry === undefined ? undefined : parseCooldownRecord(key, entry.value) };
  };
  const cooldown: GarminLoginCooldown = {
    async check(email) {
      const { record } = await read(email);
      return record ? runningCooldown(record, now()) : undefined;
    },
    async assertAllowed(email) {
      const at = now();
      const running = await cooldown.check(email);
      if (running) throw new GarminLoginCooldownError(running, at);
    },
    async recordRateLimit(email, retryAfterMs) {
      const key = garminLoginCooldownKey(email);
      const at = now();
      const { value } = await update<unknown>(store, key, (current) =>
        nextStrike(current === undefined ? undefined : parseCooldownRecord(key, current), at, retryAfterMs),
      );
      const record = value as CooldownRecord;
      return { until: new Date(record.until), strikes: record.strikes };
    },
    async clear(email) {
      await store.delete(garminLoginCooldownKey(email));
    },
  };
  return cooldown;
}

function nextStrike(previous: CooldownRecord | undefined, at: Date, retryAfterMs?: number): CooldownRecord {
  const rules = GARMIN_LOGIN_COOLDOWN;
  const remembered = previous && at.getTime() < forgetAt(previous);
  const strikes = remembered ? previous.strikes + 1 : 1;
  // 2^(strikes-1) overflows nothing: the cap is reached at strike 5.
  let duration = Math.min(rules.firstMs * 2 ** Math.min(strikes - 1, 10), rules.maxMs);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > duration) {
    duration = Math.min(retryAfterMs, rules.maxRetryAfterMs);
  }
  // A strike never shortens a cooldown already running (a Retry-After may have set a longer one).
  const until = Math.max(at.getTime() + duration, remembered ? Date.parse(previous.until) : 0);
  return { strikes, lastStrikeAt: at.toISOString(), until: new Date(until).toISOString() };
}

function forgetAt(record: CooldownRecord): number {
  return Math.max(
    Date.parse(record.lastStrikeAt) + GARMIN_LOGIN_COOLDOWN.strikeMemoryMs,
    Date.parse(record.until),
  );
}

function runningCooldown(record: CooldownRecord, at: Date): GarminLoginCooldownState | undefined {
  const until = Date.parse(record.until);
  return at.getTime() < until ? { until: new Date(until), strikes: record.strikes } : undefined;
}

/** Reads a stored cooldown record; anything else is corrupt (never read as "no cooldown"). */
function parseCooldownRecord(key: string, value: unknown): CooldownRecord {
  const v = value as Partial<Record<keyof CooldownRecord, unknown>> | null;
  const strikes = v?.strikes;
  const isInstant = (x: unknown): x is string => typeof x === 'string' && !Number.isNaN(Date.parse(x));
  if (
    typeof strikes !== 'number' ||
    !Number.isInteger(strikes) ||
    strikes < 1 ||
    !isInstant(v?.lastStrikeAt) ||
    !isInstant(v?.until)
  ) {
    throw new StoreCorruptError(
      key,
      'the state store',
      'not a Garmin login cooldown: expected strikes, lastStrikeAt and until',
    );
  }
  return { strikes, lastStrikeAt: v.lastStrikeAt, until: v.until };
}

/**
 * Every running cooldown in the store (for `doctor`; the keys do not say whose e-mail they are).
 * A corrupt entry is returned as its error, so one bad entry does not hide the others.
 */
export async function runningGarminLoginCooldowns(
  store: StateStore,
  at: Date,
): Promise<Array<GarminLoginCooldownState | StoreCorruptError>> {
  const found: Array<GarminLoginCooldownState | StoreCorruptError> = [];
  for (const entry of await store.list<unknown>(GARMIN_LOGIN_COOLDOWN_PREFIX)) {
    try {
      const running = runningCooldown(parseCooldownRecord(entry.key, entry.value), at);
      if (running) found.push(running);
    } catch (error) {
      if (!(error instanceof StoreCorruptError)) throw error;
      found.push(error);
    }
  }
  return found;
}

/** "in 1 h 59 min", "in 3 days", "in 40 s". */
function relative(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `in ${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `in ${Math.round(hours / 24)} days`;
}
