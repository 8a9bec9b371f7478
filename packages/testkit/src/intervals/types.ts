import type { SimClock } from '../shared/clock.js';
import type { FaultQueue } from '../shared/faults.js';

/** An athlete to create in the simulator; every field has a default. */
export interface IntervalsSimAthleteInput {
  /** The athlete id, `i` and digits as intervals.icu hands them out (default `i12345`, `i12346`, …). */
  id?: string;
  /** The athlete's API key (default: random). */
  apiKey?: string;
  /** Display name (default `Sim Athlete <id>`). */
  name?: string;
  /** The athlete's IANA time zone, which decides which day a record belongs to (default `Europe/Berlin`). */
  timezone?: string;
}

/** An athlete the simulator knows. */
export interface IntervalsSimAthlete {
  id: string;
  apiKey: string;
  name: string;
  timezone: string;
}

/**
 * The numeric wellness fields the simulator stores (a subset of what intervals.icu has). A PUT may set
 * any of them; the ones wg-sync writes are `weight`, `bodyFat`, `systolic` and `diastolic`.
 */
export const INTERVALS_SIM_FIELDS = [
  'weight',
  'bodyFat',
  'systolic',
  'diastolic',
  'restingHR',
  'hrv',
  'sleepSecs',
  'kcalConsumed',
  'spO2',
  'hydration',
  'steps',
] as const;

/** One of {@link INTERVALS_SIM_FIELDS}. */
export type IntervalsSimField = (typeof INTERVALS_SIM_FIELDS)[number];

/**
 * One wellness record as the simulator answers it: `id` is the day (`YYYY-MM-DD`, in the athlete's
 * time zone), unset fields are `null` (as in real answers), `updated` is the last write (ISO 8601).
 */
export type IntervalsSimWellness = { id: string; updated: string } & Record<
  IntervalsSimField,
  number | null
> & {
    ctl: number | null;
    atl: number | null;
    rampRate: number | null;
    comments: string | null;
    locked: boolean | null;
    sportInfo: unknown[];
  };

/** Fields to seed with {@link IntervalsSim.seedWellness}: a number sets, `-1` or `null` clears. */
export type IntervalsSimWellnessInput = Partial<Record<IntervalsSimField, number | null>>;

/**
 * A fault for the next matching requests (`sim.faults.add(fault, times, path?)`):
 * - `{ status }`: that HTTP status instead of the real answer. `body` defaults to a JSON error for
 *   4xx and an nginx-style HTML page for 5xx; 429 carries `Retry-After: retryAfterSeconds` (default 30,
 *   `null` for none); `headers` adds headers (a `location` for a redirect).
 * - `'html-challenge'`: 403 with a Cloudflare "Just a moment..." HTML page (`cf-mitigated: challenge`).
 * - `'empty-body'`: 200 with an empty body. `'malformed-json'`: 200 with JSON cut short.
 * - `{ delayMs }`: the real answer, after that delay (longer than a client's timeout: a hang).
 * - `{ rewrite }`: the real answer's JSON passed through `rewrite` first (shape and type changes).
 */
export type IntervalsSimFault =
  | {
      status: number;
      body?: string;
      contentType?: string;
      retryAfterSeconds?: number | null;
      headers?: Record<string, string>;
    }
  | 'html-challenge'
  | 'empty-body'
  | 'malformed-json'
  | { delayMs: number }
  | { rewrite: (body: unknown) => unknown };

/** Options for {@link startIntervalsSim}. */
export interface IntervalsSimOptions {
  /** The athletes to create (default: one, `i12345` in `Europe/Berlin`, with a random key). */
  athletes?: IntervalsSimAthleteInput[];
  /** The clock for `updated` and {@link IntervalsSim.today} (default: real time). */
  clock?: SimClock;
  /** Delay before every answer, in ms. */
  latencyMs?: number;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
}

/** Who a request's `Authorization` header turned out to be. */
export type IntervalsSimAuth = 'missing' | 'invalid' | 'unknown-key' | 'other-athlete' | 'ok';

/** One request the simulator received; the `Authorization` value is never kept. */
export interface IntervalsSimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Request headers, `authorization` replaced by `Basic [redacted]` (or `[redacted]`). */
  headers: Record<string, string>;
  body: string;
  /** How the credentials were judged (undefined for a fault answered before the check). */
  auth?: IntervalsSimAuth;
  /** The athlete the key belongs to, when it was valid. */
  athleteId?: string;
  /** Status the simulator answered with (once answered). */
  status?: number;
  receivedAt: Date;
}

/** A running intervals.icu simulator (see {@link startIntervalsSim}). */
export interface IntervalsSim {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash): the client's `baseUrl`. */
  readonly url: string;
  /** The clock `updated` and `today()` use. */
  readonly clock: SimClock;
  /** The first athlete (the default one when no `athletes` were given). */
  readonly athlete: IntervalsSimAthlete;
  /** Every request so far, oldest first (credentials redacted). */
  readonly requests: IntervalsSimRequest[];
  /** One-shot faults for the next requests. */
  readonly faults: FaultQueue<IntervalsSimFault>;
  /** Delay before every answer (ms); change it at any time. */
  latencyMs: number;
  /** Creates another athlete. */
  addAthlete(input?: IntervalsSimAthleteInput): IntervalsSimAthlete;
  /** A copy of an athlete. */
  getAthlete(athleteId: string): IntervalsSimAthlete;
  /** Changes an athlete's time zone (an IANA name): what `GET /api/v1/athlete/{id}` answers from now on. */
  setTimezone(athleteId: string, timezone: string): void;
  /** The day it is now (by `clock`) in the athlete's time zone, `YYYY-MM-DD`. */
  today(athleteId: string): string;
  /** The athlete's wellness records, oldest day first (copies). */
  wellness(athleteId: string): IntervalsSimWellness[];
  /** Creates or merges one day's record without HTTP (a number sets, `-1` or `null` clears). */
  seedWellness(athleteId: string, date: string, fields: IntervalsSimWellnessInput): IntervalsSimWellness;
  /** Every API key and its `Authorization` forms: assert that none appears in a log or error. */
  secrets(): string[];
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}
