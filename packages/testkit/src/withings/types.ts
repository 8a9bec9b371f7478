import type { SimClock } from '../shared/clock.js';
import type { FaultQueue } from '../shared/faults.js';
import type { RecordedRequest } from '../shared/http-server.js';

/** Options for {@link startWithingsSim}. */
export interface WithingsSimOptions {
  /** The app's client id (default `'sim-client-id'`). */
  clientId?: string;
  /** The app's client secret (default: random). */
  clientSecret?: string;
  /** Registered redirect URIs; when set, the authorize page refuses any other. */
  redirectUris?: string[];
  /** The clock for code, token and grace expiry (default: real time). */
  clock?: SimClock;
  /** Groups per getmeas page (default 100). */
  pageSize?: number;
  /** Send `more` as `true`/`false` instead of `1`/`0` (some real answers do). */
  moreAsBoolean?: boolean;
  /** Delay before every answer, in ms. */
  latencyMs?: number;
  /** Lifetimes (seconds): code 30, access token 10800, refresh grace 8 h, as documented. */
  codeTtlSec?: number;
  accessTokenTtlSec?: number;
  refreshGraceSec?: number;
  /** An identical request within this many seconds answers 601 "Same arguments…" (off by default). */
  sameArgumentsWindowSec?: number;
  /**
   * Withings' limit per application: past `perMinute` API calls in any 60 s of the simulator's clock
   * (all users together), status 601 with `wait_seconds` (default: until a call is free). Off by
   * default; the busiest minute is counted either way ({@link WithingsSim.rateStats}).
   */
  appRateLimit?: WithingsAppRateLimit;
  /** Enforce Withings' callback URL rules: https, port 443/80, no IP or localhost (off: tests use http://127.0.0.1). */
  strictCallbackUrls?: boolean;
  /** Webhook delivery: time limit per POST, retry schedule and when a subscription is dropped. */
  delivery?: WithingsDeliveryOptions;
}

/** {@link WithingsSimOptions.appRateLimit}. */
export interface WithingsAppRateLimit {
  /** API calls accepted in any 60 s (Withings documents 120 per application). */
  perMinute: number;
  /** The `wait_seconds` answered (default: the seconds until the oldest call counted leaves the minute). */
  waitSeconds?: number;
}

/** What the application-wide limit saw ({@link WithingsSim.rateStats}). */
export interface WithingsRateStats {
  /** Calls answered 601 by {@link WithingsSimOptions.appRateLimit}. */
  refused: number;
  /** The most calls accepted within any 60 s of the simulator's clock. */
  peakPerMinute: number;
}

/** How the simulator delivers notifications; the real schedule (hours) compressed to milliseconds. */
export interface WithingsDeliveryOptions {
  /** The callback must answer 2xx within this time (default 2000 ms, as Withings requires). */
  timeoutMs?: number;
  /** Delay before each attempt (default 5 cycles of 2 tries: `[0, 0, 10, 10, 50, 50, 100, 100, 200, 200]`). */
  retryDelaysMs?: number[];
  /** A subscription is dropped after this many consecutive notifications failed every attempt (default 4). */
  dropAfterFailures?: number;
  /** The HEAD check of `subscribe` waits this long (default 2000 ms). */
  headTimeoutMs?: number;
}

/**
 * A fault for the next matching requests (`sim.faults.add(fault, times, endpoint?)`):
 * a Withings `status` in an HTTP-200 envelope, an HTTP error, a broken body, a hang, or a page that
 * says `more=1` without advancing.
 */
export type WithingsFault =
  | { status: number; error?: string; waitSeconds?: number }
  | { http: number; body?: string }
  | 'malformed-json'
  | 'empty-body'
  | 'hang'
  | 'non-advancing-page';

/** A token pair as the simulator issues it (the same shape as `WithingsTokens` in @wg-sync/withings). */
export interface SimWithingsTokens {
  userId: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scope: string[];
}

/** A weigh-in to put on the simulated scale. Masses in kg, percents in %. */
export interface SimWeighIn {
  takenAt: Date;
  weightKg: number;
  fatPercent?: number;
  fatMassKg?: number;
  fatFreeMassKg?: number;
  muscleMassKg?: number;
  hydrationKg?: number;
  boneMassKg?: number;
  visceralFatIndex?: number;
  basalMetKcal?: number;
  metabolicAge?: number;
  heartRate?: number;
  pulseWaveVelocity?: number;
  vascularAge?: number;
  /**
   * How Withings stores it: `'single'` one group (Body+, Body Comp); `'body-cardio'` weight and
   * composition, heart rate, and PWV in 3 groups; `'body-scan'` 4 groups with segmental data.
   */
  layout?: 'single' | 'body-cardio' | 'body-scan';
  /** `attrib` of the main group (default 0; 1 ambiguous, 2 manual …). */
  attrib?: number;
  /** Device id (default: the user's scale); `null` for a manual entry. */
  deviceId?: string | null;
  /** When Withings received it (`created`/`modified`); default now. A late arrival has an old `takenAt`. */
  arrivedAt?: Date;
  /** 1 real measure (default), 2 objective. */
  category?: number;
  /** Send the appli-1 notification to subscribers (default true). */
  notify?: boolean;
}

/** A raw measure group, exactly as getmeas returns it. */
/** What {@link WithingsSim.updateGroup} changes in a group. */
export interface SimGroupChange {
  attrib?: number;
  /** The new weight (kg) of the group's type-1 measure. */
  weightKg?: number;
  /** The new fat ratio (%) of the group's type-6 measure. */
  fatPercent?: number;
  /** Every measure of the group, replaced. */
  measures?: SimMeasureGroup['measures'];
}

export interface SimMeasureGroup {
  grpid: number;
  attrib: number;
  date: number;
  created: number;
  modified: number;
  category: number;
  deviceid: string | null;
  hash_deviceid: string | null;
  measures: Array<{
    value: number;
    type: number;
    unit: number;
    algo?: number;
    fm?: number;
    position?: number;
    algo_params?: Record<string, number>;
  }>;
  modelid: number | null;
  model: string | null;
  comment: null;
}

/** One notification the simulator sent (or tried to send) to a callback URL. */
export interface SimDelivery {
  userId: string;
  appli: number;
  callbackUrl: string;
  /** The form body that was POSTed. */
  body: string;
  attempts: Array<{ at: Date; status?: number; error?: string; ms: number }>;
  /** True once an attempt got a 2xx in time. */
  delivered: boolean;
}

/** A subscription as the simulator holds it. */
export interface SimSubscription {
  userId: string;
  appli: number;
  callbackUrl: string;
  comment: string | null;
  consecutiveFailures: number;
}

/** A running Withings simulator. Point `baseUrl` (API) and `accountUrl` (consent page) at `url`. */
export interface WithingsSim {
  /** Base URL of the server, e.g. `http://127.0.0.1:41234`: the API host and the account (consent) host. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clock: SimClock;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** Faults for the next requests: `sim.faults.add({ status: 601, waitSeconds: 1 }, 2, '/measure')`. */
  readonly faults: FaultQueue<WithingsFault>;
  /** Every notification delivery, oldest first. */
  readonly deliveries: SimDelivery[];
  /** Calls refused by `appRateLimit`, and the busiest minute so far (live counters). */
  readonly rateStats: WithingsRateStats;
  /** Delay before every answer (ms); settable. */
  latencyMs: number;
  /** Adds a user (a Withings account) and returns its id. */
  addUser(options?: { userId?: string; timeZone?: string }): string;
  /** Issues a token pair directly, as if the user had just completed the OAuth flow. */
  issueTokens(userId: string, options?: { scope?: string[] }): SimWithingsTokens;
  /** Issues an authorization code, as the consent page's "Allow" button does. */
  issueCode(userId: string, options: { redirectUri: string; scope?: string[] }): string;
  /** Puts a weigh-in on the scale (1–4 groups) and notifies subscribers; returns the new group ids. */
  addWeighIn(userId: string, weighIn: SimWeighIn): { groupIds: string[] };
  /** Adds a blood-pressure reading (appli 4 notification). */
  addBloodPressure(
    userId: string,
    reading: { takenAt: Date; systolic: number; diastolic: number; heartRate?: number; notify?: boolean },
  ): { groupIds: string[] };
  /** Adds a raw group as given (full control); `notify` sends the appli-1 notification. */
  addGroup(
    userId: string,
    group: Partial<SimMeasureGroup> & Pick<SimMeasureGroup, 'date' | 'measures'>,
    notify?: boolean,
  ): string;
  /**
   * Changes a stored group (the user assigns an ambiguous weigh-in, or edits its values in the app):
   * bumps `modified` and notifies. `weightKg` and `fatPercent` rewrite the value of the group's
   * type-1 and type-6 measure (in the unit it already has); `measures` replaces them all.
   */
  updateGroup(groupId: string, change: SimGroupChange, notify?: boolean): void;
  /**
   * Deletes a stored group, as the user deleting a measurement in the app does: getmeas no longer
   * returns it, by any parameter (from every user holding a group of that id). Notifies (appli 1,
   * the group's date) unless `notify` is false.
   */
  deleteGroup(groupId: string, notify?: boolean): void;
  /** The raw groups stored for a user. */
  groups(userId: string): SimMeasureGroup[];
  /** The user's subscriptions. */
  subscriptions(userId: string): SimSubscription[];
  /** Whether a token would be accepted now. */
  isAccessTokenValid(token: string): boolean;
  isRefreshTokenValid(token: string): boolean;
  /** Kills every token of the user (e.g. the user revoked access). */
  revokeTokens(userId: string): void;
  /** The user unlinks the app: tokens die, subscriptions go, appli-46 subscribers get `action=unlink`. */
  unlink(userId: string): void;
  /** Every secret in play: the client secret and every code and token issued so far. */
  secrets(): string[];
  /** Resolves when no notification delivery is in flight. */
  settled(): Promise<void>;
  close(): Promise<void>;
}
