import { randomBytes } from 'node:crypto';
import type { SimClock } from '../shared/clock.js';
import type { SimWithingsTokens } from './types.js';

interface AccessRecord {
  userId: string;
  scope: string[];
  expiresAt: number;
  /** The refresh token this pair replaced: it dies when this access token is first used. */
  supersedes?: string;
  used: boolean;
}

interface RefreshRecord {
  userId: string;
  scope: string[];
  dead: boolean;
  /** Set once a newer pair was issued from it: still usable until then (8 h), unless the new access token is used first. */
  graceUntil?: number;
}

interface CodeRecord {
  userId: string;
  redirectUri: string;
  scope: string[];
  expiresAt: number;
  used: boolean;
}

export const randomToken = () => randomBytes(20).toString('hex');

/** Withings' token rules: 30 s single-use codes, 3 h access tokens, rotating refresh tokens with a grace rule. */
export class TokenBook {
  readonly #access = new Map<string, AccessRecord>();
  readonly #refresh = new Map<string, RefreshRecord>();
  readonly #codes = new Map<string, CodeRecord>();

  constructor(
    private readonly clock: SimClock,
    private readonly ttl: { codeSec: number; accessSec: number; graceSec: number },
  ) {}

  issueCode(userId: string, redirectUri: string, scope: string[]): string {
    const code = randomToken();
    this.#codes.set(code, {
      userId,
      redirectUri,
      scope,
      expiresAt: this.#now() + this.ttl.codeSec * 1000,
      used: false,
    });
    return code;
  }

  /** Redeems a code; undefined when unknown, expired, used or for another redirect URI. */
  redeemCode(code: string, redirectUri: string): SimWithingsTokens | undefined {
    const record = this.#codes.get(code);
    if (!record || record.used || record.expiresAt < this.#now() || record.redirectUri !== redirectUri)
      return undefined;
    record.used = true;
    return this.issue(record.userId, record.scope);
  }

  issue(userId: string, scope: string[], supersedes?: string): SimWithingsTokens {
    const accessToken = randomToken();
    const refreshToken = randomToken();
    const expiresAt = this.#now() + this.ttl.accessSec * 1000;
    this.#access.set(accessToken, {
      userId,
      scope,
      expiresAt,
      used: false,
      ...(supersedes ? { supersedes } : {}),
    });
    this.#refresh.set(refreshToken, { userId, scope, dead: false });
    return { userId, accessToken, refreshToken, expiresAt: new Date(expiresAt), scope };
  }

  /** Rotates: a new pair, and the old refresh token enters its grace period. */
  refresh(refreshToken: string): SimWithingsTokens | undefined {
    const record = this.#refresh.get(refreshToken);
    if (!record || !this.#refreshAlive(record)) return undefined;
    record.graceUntil ??= this.#now() + this.ttl.graceSec * 1000;
    return this.issue(record.userId, record.scope, refreshToken);
  }

  /** Checks an access token for an API call; its first use kills the refresh token it replaced. */
  useAccessToken(token: string): { userId: string; scope: string[] } | undefined {
    const record = this.#access.get(token);
    if (!record || record.expiresAt <= this.#now()) return undefined;
    if (!record.used) {
      record.used = true;
      const previous = record.supersedes ? this.#refresh.get(record.supersedes) : undefined;
      if (previous) previous.dead = true;
    }
    return { userId: record.userId, scope: record.scope };
  }

  isAccessTokenValid(token: string): boolean {
    const record = this.#access.get(token);
    return !!record && record.expiresAt > this.#now();
  }

  isRefreshTokenValid(token: string): boolean {
    const record = this.#refresh.get(token);
    return !!record && this.#refreshAlive(record);
  }

  /** Every code and token ever issued. */
  issued(): string[] {
    return [...this.#codes.keys(), ...this.#access.keys(), ...this.#refresh.keys()];
  }

  revokeUser(userId: string): void {
    for (const record of this.#access.values()) if (record.userId === userId) record.expiresAt = 0;
    for (const record of this.#refresh.values()) if (record.userId === userId) record.dead = true;
  }

  #refreshAlive(record: RefreshRecord): boolean {
    return !record.dead && (record.graceUntil === undefined || record.graceUntil > this.#now());
  }

  #now(): number {
    return this.clock.now().getTime();
  }
}
