import type { GarminTokens } from './types.js';

const REFRESH_MARGIN_MS = 15 * 60 * 1000;

/**
 * The token state of one {@link GarminClient}: when to refresh (at `expiresAt − 15 min`, or once
 * after a 401), one refresh at a time for all concurrent calls, and `onTokens` awaited before a new
 * access token is handed out. If `onTokens` fails, the new tokens stay in memory (the old refresh
 * token is dead) and are offered again before the next use.
 */
export class TokenKeeper {
  #tokens: GarminTokens;
  #unsaved = false;
  #pending: Promise<GarminTokens> | undefined;
  readonly #retired = new Set<string>();

  constructor(
    tokens: GarminTokens,
    private readonly options: {
      now: () => Date;
      refresh: (tokens: GarminTokens) => Promise<GarminTokens>;
      // biome-ignore lint/suspicious/noConfusingVoidType: `async (t) => { await save(t); }` must fit
      onTokens?: ((tokens: GarminTokens) => Promise<void | GarminTokens>) | undefined;
      reloadTokens?: (() => Promise<GarminTokens | undefined>) | undefined;
    },
  ) {
    this.#tokens = { ...tokens, expiresAt: toDate(tokens.expiresAt) };
  }

  /** The tokens now (after any refresh), saved or not. */
  get current(): GarminTokens {
    return { ...this.#tokens };
  }

  /** Every token value this client has held, for scrubbing. */
  secrets(): string[] {
    return [this.#tokens.accessToken, this.#tokens.refreshToken, ...this.#retired];
  }

  /** The access token to send, after any due refresh or pending hand-off to `onTokens`. */
  async accessToken(): Promise<string> {
    if (this.#pending) return (await this.#pending).accessToken;
    if (this.#unsaved) return (await this.#single(() => this.#save())).accessToken;
    if (this.#expiring(this.#tokens)) return (await this.#refresh()).accessToken;
    return this.#tokens.accessToken;
  }

  #expiring(tokens: GarminTokens): boolean {
    const expiresAt = toDate(tokens.expiresAt);
    return !!expiresAt && this.options.now().getTime() >= expiresAt.getTime() - REFRESH_MARGIN_MS;
  }

  /** After a 401 with `usedToken`: refresh, unless another call already did (or is doing it). */
  async afterUnauthorized(usedToken: string): Promise<void> {
    if (this.#pending) {
      await this.#pending;
      return;
    }
    if (this.#tokens.accessToken !== usedToken) return;
    await this.#refresh(usedToken);
  }

  #refresh(rejectedToken?: string): Promise<GarminTokens> {
    return this.#single(async () => {
      const stored = await this.options.reloadTokens?.();
      if (stored && stored.refreshToken !== this.#tokens.refreshToken) {
        // Another process refreshed and stored a newer set: our refresh token is spent, theirs is not.
        this.#retired.add(this.#tokens.accessToken).add(this.#tokens.refreshToken);
        this.#tokens = { ...stored, expiresAt: toDate(stored.expiresAt) };
        this.#unsaved = false;
        if (!this.#expiring(this.#tokens) && this.#tokens.accessToken !== rejectedToken) return this.#tokens;
      }
      const old = this.#tokens;
      const fresh = await this.options.refresh(old);
      this.#retired.add(old.accessToken).add(old.refreshToken);
      this.#tokens = fresh;
      this.#unsaved = true;
      return this.#save();
    });
  }

  async #save(): Promise<GarminTokens> {
    const tokens = this.#tokens;
    const replacement = this.options.onTokens ? await this.options.onTokens({ ...tokens }) : undefined;
    if (this.#tokens !== tokens) return this.#tokens;
    this.#unsaved = false;
    if (replacement && replacement.accessToken !== tokens.accessToken) {
      // The store kept a newer set (another process won the race): use that one.
      this.#retired.add(tokens.accessToken).add(tokens.refreshToken);
      this.#tokens = { ...replacement, expiresAt: toDate(replacement.expiresAt) };
    }
    return this.#tokens;
  }

  /** Runs `task` unless one is already running; every caller shares the same promise. */
  #single(task: () => Promise<GarminTokens>): Promise<GarminTokens> {
    if (!this.#pending) {
      const running = task().finally(() => {
        if (this.#pending === running) this.#pending = undefined;
      });
      this.#pending = running;
    }
    return this.#pending;
  }
}

/** `expiresAt` as a Date, also when tokens were JSON-parsed by hand (an ISO string). */
function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'string' || typeof value === 'number') {
    const at = new Date(value);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  return null;
}
