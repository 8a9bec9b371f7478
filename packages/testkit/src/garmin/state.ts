import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { SimClock } from '../shared/clock.js';
import { checkTimeZone, dayOf, wallClockMs } from './time.js';
import type {
  GarminSimAccount,
  GarminSimBloodPressure,
  GarminSimOptions,
  GarminSimUpload,
  GarminSimWeighIn,
  GarminSimWeighInInput,
} from './types.js';

export const DEFAULT_DI_CLIENT_IDS = [
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI',
  'GARMIN_CONNECT_MOBILE_IOS_DI',
];

/** The scopes of a DI token: the answer's `scope` string and the JWT's `scope` list name the same ones. */
const DI_SCOPES = ['CONNECT_READ', 'CONNECT_WRITE', 'GHS_UPLOAD', 'GHS_SAMD', 'DI_API_READ', 'INSIGHTS_READ'];

export const DEFAULT_ACCOUNT: GarminSimAccount = {
  email: 'user@example.com',
  password: 'correct horse battery staple',
};

export interface AccountState {
  email: string;
  password: string;
  mfa: boolean;
  captcha: boolean;
  timeZone: string;
  displayName: string;
  profileId: number;
  garminGUID: string;
  weighIns: GarminSimWeighIn[];
  bloodPressures: GarminSimBloodPressure[];
  mfaCodes: string[];
}

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
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Everything the Garmin simulator remembers. */
export class GarminSimState {
  readonly accounts = new Map<string, AccountState>();
  readonly sessions = new Map<string, SsoSession>();
  readonly tickets = new Map<string, Ticket>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly uploads: GarminSimUpload[] = [];
  readonly clientIds: string[];
  readonly ttl: { access: number; refresh: number; ticket: number; mfa: number };
  readonly uploadSourceType: string;
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
    for (const account of options.accounts ?? [DEFAULT_ACCOUNT]) this.addAccount(account);
  }

  now(): number {
    return this.clock.now().getTime();
  }

  addAccount(input: GarminSimAccount): void {
    const email = input.email.trim().toLowerCase();
    if (this.accounts.has(email)) throw new Error(`account ${input.email} exists already`);
    const timeZone = input.timeZone ?? 'UTC';
    checkTimeZone(timeZone);
    this.accounts.set(email, {
      email,
      password: input.password,
      mfa: input.mfa ?? false,
      captcha: input.captcha ?? false,
      timeZone,
      displayName: input.displayName ?? `${email.split('@')[0]?.replace(/[^a-z0-9]/g, '') || 'user'}.garmin`,
      profileId: 12_345_678 + this.accounts.size,
      garminGUID: randomUUID(),
      weighIns: [],
      bloodPressures: [],
      mfaCodes: [],
    });
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

  startSession(account: AccountState, clientId: string, service: string): SsoSession {
    const session: SsoSession = {
      id: randomBytes(18).toString('base64url'),
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

  /** A DI token answer (access JWT + rotating refresh token), recorded shape. */
  issueTokens(email: string, clientId: string): Record<string, unknown> {
    const account = this.account(email);
    const iat = Math.floor(this.now() / 1000);
    const jti = randomUUID();
    const header = { alg: 'RS256', typ: 'JWT', kid: 'garmin-sim-key-1' };
    // The claim set, order and types of a decoded real DI token (fixture di_token_jwt_decoded.json).
    // Clients read only exp and client_id; mfa says whether this sign-in needed a code (inferred).
    const payload = {
      scope: [...DI_SCOPES],
      iss: 'https://diauth.garmin.com',
      mfa: account.mfa,
      revocation_eligibility: ['GLOBAL_SIGNOUT'],
      client_type: 'UNDEFINED',
      exp: iat + this.ttl.access,
      iat,
      garmin_guid: account.garminGUID,
      jti,
      client_id: clientId,
    };
    const accessToken = `${base64url(header)}.${base64url(payload)}.${randomBytes(64).toString('base64url')}`;
    const refreshToken = `sim-di-rt-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(accessToken, {
      email: account.email,
      clientId,
      expiresAt: payload.exp * 1000,
      revoked: false,
    });
    this.refreshTokens.set(refreshToken, {
      email: account.email,
      clientId,
      expiresAt: this.now() + this.ttl.refresh * 1000,
      used: false,
    });
    return {
      scope: DI_SCOPES.join(' '),
      jti,
      access_token: accessToken,
      token_type: 'bearer',
      refresh_token: refreshToken,
      expires_in: this.ttl.access,
      refresh_token_expires_in: this.ttl.refresh,
    };
  }

  /** Uses up a refresh token (they rotate: single use); the account, or undefined if refused. */
  redeemRefreshToken(token: string, clientId: string): string | undefined {
    const record = this.refreshTokens.get(token);
    if (!record || record.used || record.clientId !== clientId || this.now() > record.expiresAt)
      return undefined;
    record.used = true;
    return record.email;
  }

  /** The account of a valid, unexpired, unrevoked access token. */
  authorize(token: string): AccountState | undefined {
    const record = this.accessTokens.get(token);
    if (!record || record.revoked || this.now() >= record.expiresAt) return undefined;
    return this.account(record.email);
  }

  storeWeighIn(account: AccountState, input: GarminSimWeighInInput): GarminSimWeighIn {
    const timestampGMT = input.timestamp.getTime();
    const local = wallClockMs(timestampGMT, account.timeZone);
    const grams = (kg: number | undefined) => (kg === undefined ? null : Math.round(kg * 1000));
    const weighIn: GarminSimWeighIn = {
      samplePk: this.nextId(),
      timestampGMT,
      date: local,
      calendarDate: dayOf(local),
      weight: Math.round(input.weightKg * 1000 * 10) / 10,
      bmi: input.bmi ?? null,
      bodyFat: input.fatPercent ?? null,
      bodyWater: input.hydrationPercent ?? null,
      boneMass: grams(input.boneMassKg),
      muscleMass: grams(input.muscleMassKg),
      physiqueRating: input.physiqueRating ?? null,
      visceralFat: input.visceralFat ?? null,
      metabolicAge: input.metabolicAge ?? null,
      sourceType: input.sourceType ?? this.uploadSourceType,
    };
    account.weighIns.push(weighIn);
    account.weighIns.sort((a, b) => a.timestampGMT - b.timestampGMT || a.samplePk - b.samplePk);
    return weighIn;
  }

  secrets(): string[] {
    const out: string[] = [];
    for (const account of this.accounts.values()) out.push(account.password, ...account.mfaCodes);
    out.push(...this.tickets.keys(), ...this.accessTokens.keys(), ...this.refreshTokens.keys());
    return out;
  }
}
