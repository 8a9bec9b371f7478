import { checkDay, updateBody } from './days.js';
import { IntervalsApiError } from './errors.js';
import { callIntervals, createTransport, parseBody, type Transport } from './http.js';
import { athleteSchema, putAnswerSchema, wellnessListSchema } from './schemas.js';
import type {
  IntervalsAthlete,
  IntervalsWellness,
  IntervalsWellnessUpdate,
  ListWellnessParams,
} from './types.js';

/** Options for {@link IntervalsClient}. */
export interface IntervalsClientOptions {
  /** The athlete's API key (intervals.icu: Settings, Developer Settings). Sent as Basic `API_KEY:<key>`. */
  apiKey: string;
  /** The athlete id (`i12345`); default `'0'`, which intervals.icu reads as "the athlete the key belongs to". */
  athleteId?: string;
  /** API host, default `https://intervals.icu`. */
  baseUrl?: string;
  /** The `fetch` to use, default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Time limit per HTTP request, default 15 s (each retry gets its own). */
  timeoutMs?: number;
  /**
   * The most bytes read from one response body, default 5 MiB. A larger answer is an `UPSTREAM`
   * error, and the connection is dropped instead of downloading the rest.
   */
  maxResponseBytes?: number;
  /**
   * Retries after a 429, a 5xx or a network failure (every call is idempotent), default 2; 0 to 10.
   * A timeout is not retried.
   */
  retries?: number;
  /** Wait before the first retry when the server names none, default 500 ms; doubled for each next retry. */
  retryDelayMs?: number;
  /**
   * The longest wait before a retry, default 10 s. A `Retry-After` longer than this is not waited
   * out: the call fails at once with `RATE_LIMITED` and `retryAfterMs`.
   */
  maxRetryWaitMs?: number;
}

/**
 * A typed intervals.icu client for one athlete's wellness records: weight, body fat and blood
 * pressure, one record per day in the athlete's time zone.
 *
 * Every call sends Basic `API_KEY:<key>`, follows no redirect, reads at most `maxResponseBytes`,
 * gives up after `timeoutMs`, and retries a 429, a 5xx or a network failure (`retries`). Failures
 * are {@link IntervalsApiError}s whose messages never contain the key; invalid arguments are
 * `RangeError`s thrown before anything is sent.
 *
 * @example
 * ```ts
 * import { IntervalsClient, wellnessDay } from '@wg-sync/intervals';
 *
 * const client = new IntervalsClient({ apiKey: process.env.INTERVALS_API_KEY! });
 * const { timezone = 'UTC' } = await client.getAthlete();
 * const day = wellnessDay(new Date(), timezone); // the day in the athlete's zone, not the server's
 * await client.putWellness(day, { weight: 81.4, bodyFat: 21.2 });
 * const week = await client.listWellness({ oldest: '2026-11-14', newest: day });
 * ```
 */
export class IntervalsClient {
  /** The athlete id used in every path (`'0'`: the key's own athlete). */
  readonly athleteId: string;

  readonly #transport: Transport;

  /** @throws RangeError for an empty key, a malformed `athleteId` or `baseUrl`, or an out-of-range limit. */
  constructor(options: IntervalsClientOptions) {
    this.#transport = createTransport(options);
    const athleteId = options.athleteId ?? '0';
    if (typeof athleteId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(athleteId)) {
      throw new RangeError("athleteId must be an intervals.icu athlete id such as 'i12345', or '0'");
    }
    this.athleteId = athleteId;
  }

  /**
   * The athlete (`GET /api/v1/athlete/{athleteId}`): its id and time zone, which decides the day a
   * wellness record belongs to.
   * @throws {@link IntervalsApiError}
   */
  async getAthlete(): Promise<IntervalsAthlete> {
    const path = this.#path('');
    const body = await callIntervals(this.#transport, { method: 'GET', path });
    return parseBody(athleteSchema, body, `intervals.icu GET ${path}`);
  }

  /**
   * The wellness records from `oldest` to `newest`, both included
   * (`GET /api/v1/athlete/{athleteId}/wellness?oldest=&newest=`), in the order intervals.icu sends
   * them (oldest first). Days without a record are not in the list.
   * @throws RangeError for a day that is not `YYYY-MM-DD`, or `newest` before `oldest`.
   * @throws {@link IntervalsApiError}
   */
  async listWellness(params: ListWellnessParams): Promise<IntervalsWellness[]> {
    const oldest = checkDay('oldest', params?.oldest);
    const newest = checkDay('newest', params?.newest);
    if (newest < oldest) throw new RangeError(`newest (${newest}) is before oldest (${oldest})`);
    const path = this.#path('/wellness');
    const body = await callIntervals(this.#transport, { method: 'GET', path, query: { oldest, newest } });
    return parseBody(wellnessListSchema, body, `intervals.icu GET ${path}`);
  }

  /**
   * Writes some fields of one day's record (`PUT /api/v1/athlete/{athleteId}/wellness/{date}`):
   * only the fields given are sent, so the others (sleep, HRV, what another app wrote) stay as they
   * are; `-1` ({@link CLEAR}) clears a field. Writing the same values again changes nothing, so the
   * call is retried like a read.
   *
   * @param date - The day in the athlete's time zone, `YYYY-MM-DD` (see {@link wellnessDay}).
   * @returns the record as intervals.icu answers it after the write.
   * @throws RangeError for a bad date, a value out of range or an update without any field.
   * @throws {@link IntervalsApiError}
   */
  async putWellness(date: string, update: IntervalsWellnessUpdate): Promise<IntervalsWellness> {
    const day = checkDay('date', date);
    const body = updateBody(update);
    const path = this.#path(`/wellness/${day}`);
    const answer = await callIntervals(this.#transport, { method: 'PUT', path, body });
    const where = `intervals.icu PUT ${path}`;
    const { id, ...fields } = parseBody(putAnswerSchema, answer, where);
    if (id !== undefined && id !== null && id !== day) {
      throw new IntervalsApiError('UPSTREAM', `${where}: the answer is the record of ${id}, not ${day}`);
    }
    const record: IntervalsWellness = { id: day };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== null && value !== undefined) Object.assign(record, { [key]: value });
    }
    return record;
  }

  #path(rest: string): string {
    return `/api/v1/athlete/${encodeURIComponent(this.athleteId)}${rest}`;
  }
}
