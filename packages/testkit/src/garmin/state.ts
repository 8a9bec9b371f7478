import { randomBytes, randomInt } from 'node:crypto';
import type { SimClock } from '../shared/clock.js';
import { type AccountState, DEFAULT_ACCOUNT, newAccountState } from './account-state.js';
import { DI_SCOPES, signDiAccessToken } from './di-token.js';
import type {
  GarminSimAccount,
  GarminSimOptions,
  GarminSimUpload,
  GarminSimWeighIn,
  GarminSimWeighInInput,
} from './types.js';
import { storeWeighIn } from './weigh-in-store.js';

/**
 * The ids 2026 clients try, newest first (protocol §1.5, §10). Whether Garmin knows the 2025Q4 and
 * 2026 ones is unverified; the simulator accepts them so a default login costs one exchange. Pass
 * `clientIds` to play a rotation (ids Garmin no longer accepts).
 */
export const DEFAULT_DI_CLIENT_IDS = [
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q1',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI',
  'GARMIN_CONNECT_MOBILE_IOS_DI',
];

/** A sign-in in progress (JSON or HTML), tied to its cookie. */
export interface SsoSession {
  id: string;
  email: string;
  clientId: string;
  service: string;
  code: string;
  codeExpiresAt: number;
  wrongCodes: number;
}

/** The cookies the sign-in page set (`SESSION` and Cloudflare's `__cf_bm`). */
export interface PageSession {
  id: string;
  cfBm: string;
}

interface Ticket {
  email: string;
  service: string;
  expiresAt: number;
  used: boolean;
}

export interface AccessTokenRecord {
  email: string;
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

interface RefreshTokenRecord {
  email: string;
  clientId: string;
  expiresAt: number;
  used: boolean;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomText = (length: number) => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/** Everything the Garmin simulator remembers. */
export class GarminSimState {
  readonly accounts = new Map<string, AccountState>();
  readonly sessions = new Map<string, SsoSession>();
  /** Sign-in page visits by their `SESSION` cookie: a JSON login needs one (protocol §10). */
  readonly pageSessions = new Map<string, PageSession>();
  readonly tickets = new Map<string, Ticket>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly uploads: GarminSimUpload[] = [];
  readonly clientIds: string[];
  readonly ttl: { access: number; refresh: number; ticket: number; mfa: number };
  readonly uploadSourceType: string;
  /** Issue every token to this DI client id (the JWT's `client_id`), whatever id asked. */
  readonly jwtClientId: string | undefined;
  /** Refusing a client id spends the ticket it carried. */
  readonly refusalSpendsTicket: boolean;
  /** Refresh answers leave out `refresh_token`; the one sent stays valid. */
  readonly refreshWithoutRefreshToken: boolean;
  #lastId = 0;
  #nextUploadId = 318_406_275_000;
  #nextActivityId = 21_503_318_640;

  constructor(
    options: GarminSimOptions,
    readonly clock: SimClock,
  ) {
    this.clientIds = [...(options.clientIds ?? DEFAULT_DI_CLIENT_IDS)];
    this.ttl = {
      access: options.accessTokenTtlSeconds ?? 86_399,
      refresh: options.refreshTokenTtlSeconds ?? 30 * 86_400,
      ticket: options.ticketTtlSeconds ?? 60,
      mfa: options.mfaCodeTtlSeconds ?? 600,
    };
    this.uploadSourceType = options.uploadSourceType ?? 'INDEX_SCALE';
    this.jwtClientId = options.jwtClientId;
    this.refusalSpendsTicket = options.refusalSpendsTicket ?? false;
    this.refreshWithoutRefreshToken = options.refreshWithoutRefreshToken ?? false;
    for (const account of options.accounts ?? [DEFAULT_ACCOUNT]) this.addAccount(account);
  }

  now(): number {
    return this.clock.now().getTime();
  }

  addAccount(input: GarminSimAccount): void {
    const email = input.email.trim().toLowerCase();
    if (this.accounts.has(email)) throw new Error(`account ${input.email} exists already`);
    this.accounts.set(email, newAccountState(email, input, 12_345_678 + this.accounts.size));
  }

  account(email: string): AccountState {
    const account = this.accounts.get(email.trim().toLowerCase());
    if (!account) throw new Error(`the Garmin simulator has no account ${email}`);
    return account;
  }

  findAccount(email: unknown): AccountState | undefined {
    return typeof email === 'string' ? this.accounts.get(email.trim().toLowerCase()) : undefined;
  }

  /** A unique, increasing id near the current time (Garmin's samplePk/version look like creation ms). */
  nextId(): number {
    this.#lastId = Math.max(this.now() + 19_000, this.#lastId + 1);
    return this.#lastId;
  }

  nextUploadId(): number {
    this.#nextUploadId += 1;
    return this.#nextUploadId;
  }

  /** The id of the activity a duplicate upload collides with (a 409's `failures[].internalId`). */
  nextActivityId(): number {
    this.#nextActivityId += 1;
    return this.#nextActivityId;
  }

  /** A visit of the sign-in page: the cookies it sets. */
  startPageSession(): PageSession {
    const page = { id: randomBytes(18).toString('base64url'), cfBm: randomBytes(24).toString('base64url') };
    this.pageSessions.set(page.id, page);
    return page;
  }

  /** The DI token endpoint knows this client id (the accepted list, or the id it issues tokens to). */
  acceptsClient(clientId: string): boolean {
    return this.clientIds.includes(clientId) || clientId === this.jwtClientId;
  }

  startSession(account: AccountState, clientId: string, service: string, id?: string): SsoSession {
    const session: SsoSession = {
      id: id ?? randomBytes(18).toString('base64url'),
      email: account.email,
      clientId,
      service,
      code: '',
      codeExpiresAt: 0,
      wrongCodes: 0,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** "E-mails" a new 6-digit code for the session. */
  sendMfaCode(session: SsoSession): string {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    session.code = code;
    session.codeExpiresAt = this.now() + this.ttl.mfa * 1000;
    this.account(session.email).mfaCodes.push(code);
    return code;
  }

  issueTicket(email: string, service: string): string {
    const ticket = `ST-${String(randomInt(0, 10_000_000)).padStart(7, '0')}-${randomText(20)}-sso`;
    this.tickets.set(ticket, { email, service, expiresAt: this.now() + this.ttl.ticket * 1000, used: false });
    return ticket;
  }

  /** Marks a ticket used without redeeming it (a refused client id spent it). */
  spendTicket(ticket: string): void {
    const record = this.tickets.get(ticket);
    if (record) record.used = true;
  }

  /** The account of a valid ticket for `service`, consuming it; else the reason it is refused. */
  redeemTicket(ticket: string, service: string): { email: string } | { refused: string } {
    const record = this.tickets.get(ticket);
    if (!record) return { refused: 'unknown' };
    if (record.used) return { refused: 'used' };
    if (this.now() > record.expiresAt) return { refused: 'expired' };
    if (record.service !== service) return { refused: 'service mismatch' };
    record.used = true;
    return { email: record.email };
  }

  /**
   * A DI token answer (access JWT + rotating refresh token), recorded shape. The tokens belong to
   * `jwtClientId` when set, else to `clientId`. `inactive` tokens are refused by the API ("Token is
   * not active"). `omitRefreshToken` leaves `refresh_token` out (a refresh whose sent token stays valid).
   */
  issueTokens(
    email: string,
    requestedClientId: string,
    { inactive = false, omitRefreshToken = false }: { inactive?: boolean; omitRefreshToken?: boolean } = {},
  ): Record<string, unknown> {
    const account = this.account(email);
    const clientId = this.jwtClientId ?? requestedClientId;
    const iat = Math.floor(this.now() / 1000);
    const { accessToken, jti, exp } = signDiAccessToken(account, clientId, iat, this.ttl.access);
    this.accessTokens.set(accessToken, {
      email: account.email,
      clientId,
      expiresAt: exp * 1000,
      revoked: inactive,
    });
    const answer: Record<string, unknown> = {
      scope: DI_SCOPES.join(' '),
      jti,
      access_token: accessToken,
      token_type: 'bearer',
    };
    if (!omitRefreshToken) {
      const refreshToken = `sim-di-rt-${randomBytes(24).toString('base64url')}`;
      this.refreshTokens.set(refreshToken, {
        email: account.email,
        clientId,
        expiresAt: this.now() + this.ttl.refresh * 1000,
        used: false,
      });
      answer.refresh_token = refreshToken;
    }
    answer.expires_in = this.ttl.access;
    if (!omitRefreshToken) answer.refresh_token_expires_in = this.ttl.refresh;
    return answer;
  }

  /**
   * Uses up a refresh token (they rotate: single use, unless `refreshWithoutRefreshToken` keeps it);
   * the account, or undefined if refused. Only the client the tokens were issued to may refresh.
   */
  redeemRefreshToken(token: string, clientId: string): string | undefined {
    const record = this.refreshTokens.get(token);
    if (!record || record.used || record.clientId !== clientId || this.now() > record.expiresAt)
      return undefined;
    if (!this.refreshWithoutRefreshToken) record.used = true;
    return record.email;
  }

  /** The account of a valid, unexpired, unrevoked access token. */
  authorize(token: string): AccountState | undefined {
    const record = this.accessTokens.get(token);
    if (!record || record.revoked || this.now() >= record.expiresAt) return undefined;
    return this.account(record.email);
  }

  storeWeighIn(account: AccountState, input: GarminSimWeighInInput): GarminSimWeighIn {
    return storeWeighIn(account, input, () => this.nextId(), this.uploadSourceType);
  }

  secrets(): string[] {
    const out: string[] = [];
    for (const account of this.accounts.values()) out.push(account.password, ...account.mfaCodes);
    out.push(...this.tickets.keys(), ...this.accessTokens.keys(), ...this.refreshTokens.keys());
    for (const page of this.pageSessions.values()) out.push(page.id, page.cfBm);
    return out;
  }
}
