import type { WeightEntry } from '@wg-sync/fit';
import {
  bloodPressureBody,
  type GarminBloodPressure,
  type GarminBloodPressureInput,
  toBloodPressures,
} from './blood-pressure.js';
import { checkRange, checkRecord } from './client-arguments.js';
import { type ApiRequest, type ApiSession, apiRequest, type RequestKind } from './client-request.js';
import {
  GARMIN_VERIFY_DEFAULTS,
  type GarminReadBackItem,
  type GarminReadBackOptions,
  readBackWeighIns,
} from './confirm-weigh-ins.js';
import { GarminUploadError } from './errors.js';
import type {
  AddBodyCompositionOptions,
  GarminBodyCompositionResult,
  GarminClientOptions,
} from './garmin-client-options.js';
import { type HttpContext, httpContext, parseJson, parseWith, type ReadResponse } from './http.js';
import { refreshAndVerify } from './refresh-garmin-tokens.js';
import { retryPolicy, sleep } from './retry.js';
import { bloodPressureRange, socialProfile, weightRange } from './schemas.js';
import { SOCIAL_PROFILE_PATH } from './social-profile.js';
import { TokenKeeper } from './token-keeper.js';
import type { GarminTokens } from './types.js';
import { envelopeOf, type GarminUploadResult, readUploadResult } from './upload-result.js';
import { resolveHosts } from './urls.js';
import { dateSpan, type GarminWeighIn, toWeighIn } from './weigh-ins.js';

/**
 * A Garmin Connect API client for one account, on DI OAuth2 tokens. It refreshes the tokens before
 * they expire (15 min early) and once after a 401, shares one refresh between concurrent calls,
 * sends the native app headers (protocol §1.9) and retries reads after 429/5xx with backoff.
 *
 * @example
 * ```ts
 * import { GarminClient, importGarminTokens } from '@wg-sync/garmin';
 *
 * const client = new GarminClient({
 *   tokens: importGarminTokens(await readFile('garmin-tokens.json', 'utf8')),
 *   onTokens: (tokens) => writeFile('garmin-tokens.json', JSON.stringify(tokens), { mode: 0o600 }),
 * });
 * await client.addBodyComposition([{ timestamp: new Date(), weightKg: 81.37, fatPercent: 21.5 }]);
 * const recent = await client.listWeighIns({ from: new Date(Date.now() - 30 * 86_400_000), to: new Date() });
 * ```
 */
export class GarminClient {
  readonly #keeper: TokenKeeper;
  readonly #ctx: HttpContext;
  readonly #session: ApiSession;

  constructor(options: GarminClientOptions) {
    if (!options?.tokens || typeof options.tokens.accessToken !== 'string') {
      throw new TypeError('GarminClient needs { tokens } (from a login or importGarminTokens)');
    }
    const connectapi = resolveHosts(options.tokens.domain, options.urls).connectapi;
    const policy = retryPolicy(options.retry);
    this.#keeper = new TokenKeeper(options.tokens, {
      now: options.now ?? (() => new Date()),
      onTokens: options.onTokens,
      reloadTokens: options.reloadTokens,
      // Each new access token is proven with one API call before onTokens sees it (protocol §10).
      refresh: (tokens) =>
        refreshAndVerify(tokens, {
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.urls ? { urls: options.urls } : {}),
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
          ...(options.debug ? { debug: options.debug } : {}),
          ...(options.headers ? { apiHeaders: options.headers } : {}),
        }),
    });
    this.#ctx = httpContext(options, () => this.#keeper.secrets());
    this.#session = { connectapi, keeper: this.#keeper, ctx: this.#ctx, policy, options };
  }

  /** The current tokens (after any refresh): persist these if you do not use `onTokens`. */
  get tokens(): GarminTokens {
    return this.#keeper.current;
  }

  /**
   * Proves the session works with a real API call (`socialProfile`), refreshing if needed.
   *
   * @throws {@link GarminApiError} `REAUTH_REQUIRED`, `AUTH_EXPIRED`, `FORBIDDEN`, `RATE_LIMITED`, …
   */
  async verifySession(): Promise<{ displayName: string }> {
    const response = await this.#request('GET', SOCIAL_PROFILE_PATH, 'read');
    const what = `GET ${SOCIAL_PROFILE_PATH}`;
    return {
      displayName: parseWith(socialProfile, parseJson(response, what), what, response.status).displayName,
    };
  }

  /**
   * Uploads a FIT file (multipart field `file`). Garmin processes it asynchronously: `accepted`
   * means it took the file, not that the weigh-ins are visible yet (see {@link addBodyComposition},
   * which checks). An answer without a proper import result is an error, never a success.
   *
   * @throws {@link GarminUploadError} when Garmin lists failures; {@link GarminApiError} `PROTOCOL`
   *   for an empty body, `[]` or a missing `detailedImportResult`, and the usual codes otherwise.
   */
  async uploadFit(bytes: Uint8Array, options: { filename?: string } = {}): Promise<GarminUploadResult> {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
      throw new TypeError('uploadFit needs the FIT file as a non-empty Uint8Array');
    }
    const filename = options.filename ?? 'weight.fit';
    if (!/^[^/\\]+\.fit$/i.test(filename))
      throw new RangeError('filename must be a plain name ending in .fit');
    const file = new Uint8Array(bytes); // our own copy: the caller may reuse the buffer
    const path = '/upload-service/upload';
    const response = await this.#request('POST', path, 'write', {
      // Rebuilt for every attempt: a retry after a 401 must not send a consumed stream.
      body: () => {
        const form = new FormData();
        form.append('file', new Blob([file], { type: 'application/octet-stream' }), filename);
        return form;
      },
      keep: (r) => r.status === 409 || (r.status >= 400 && r.status < 500 && hasFailures(r)),
    });
    return readUploadResult(response, `POST ${path}`, this.#ctx.secrets());
  }

  /**
   * Encodes weigh-ins (weight and body composition) into one FIT file with `@wg-sync/fit`, loaded
   * only now, uploads it, and by default reads them back to prove Garmin stored them.
   *
   * @throws `FitEncodeError` from `@wg-sync/fit` for invalid entries (nothing is sent);
   *   {@link GarminUploadError} (code `PROTOCOL`) when Garmin accepted the file but the weigh-ins
   *   never appeared; otherwise as {@link uploadFit}.
   */
  async addBodyComposition(
    entries: WeightEntry[],
    options: AddBodyCompositionOptions = {},
  ): Promise<GarminBodyCompositionResult> {
    const { encodeWeightFit } = await import('@wg-sync/fit');
    const bytes = encodeWeightFit(entries);
    const result = await this.uploadFit(bytes, { filename: options.filename ?? 'body_composition.fit' });
    if (options.verify === false) return result;
    const verify = options.verify === true || options.verify === undefined ? {} : options.verify;
    const matches = await this.readBack(entries, verify);
    if (matches.every(Boolean)) return { ...result, weighIns: matches as GarminWeighIn[] };
    const attempts = verify.attempts ?? GARMIN_VERIFY_DEFAULTS.attempts;
    const missing = matches.filter((m) => !m).length;
    throw new GarminUploadError(
      `Garmin ${result.status === 'duplicate' ? 'called the file a duplicate' : `accepted the upload (uploadId ${result.uploadId})`}, but ${missing} of ${entries.length} weigh-ins did not appear after ${attempts} reads: a phantom success. Upload them again later`,
      [],
      { code: 'PROTOCOL', ...(result.uploadId ? { uploadId: result.uploadId } : {}) },
    );
  }

  /**
   * Reads weigh-ins back to prove Garmin stored them: waits, then ONE {@link listWeighIns} range
   * read per attempt covering every item, the pause doubling, until each item is found or the
   * attempts run out (defaults: {@link GARMIN_VERIFY_DEFAULTS}). Each item takes the stored record
   * closest in time within tolerance, each record at most once, and never one listed in `existing`.
   *
   * @returns the stored record per item, in item order; `undefined` for those Garmin does not show.
   * @throws as {@link listWeighIns}.
   */
  async readBack(
    items: readonly GarminReadBackItem[],
    options: GarminReadBackOptions = {},
  ): Promise<Array<GarminWeighIn | undefined>> {
    return readBackWeighIns((range) => this.listWeighIns(range), items, options, sleep);
  }

  /**
   * Every weigh-in between `from` and `to` (inclusive), oldest first, from ONE range call however long
   * the span (the call covers a day more on each side, since Garmin files weigh-ins by local date).
   * Masses are converted from grams to kg; `takenAt` comes from `timestampGMT`.
   */
  async listWeighIns(range: { from: Date; to: Date }): Promise<GarminWeighIn[]> {
    const { from, to } = checkRange(range);
    const { start, end } = dateSpan(from, to);
    const path = `/weight-service/weight/range/${start}/${end}`;
    const response = await this.#request('GET', `${path}?includeAll=true`, 'read');
    const body = parseWith(weightRange, parseJson(response, `GET ${path}`), `GET ${path}`, response.status);
    const seen = new Set<number>();
    const out: GarminWeighIn[] = [];
    for (const day of body.dailyWeightSummaries) {
      for (const entry of day.allWeightMetrics) {
        const weighIn = toWeighIn(entry);
        if (!weighIn || seen.has(weighIn.samplePk)) continue;
        seen.add(weighIn.samplePk);
        if (weighIn.takenAt >= from && weighIn.takenAt <= to) out.push(weighIn);
      }
    }
    return out.sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime() || a.samplePk - b.samplePk);
  }

  /**
   * Stores a blood-pressure reading. Its local and UTC timestamps are computed from `timeZone`
   * (IANA rules, daylight saving included), never from the host's zone.
   *
   * @throws `RangeError` for an unknown zone or out-of-range values (nothing is sent).
   */
  async addBloodPressure(reading: GarminBloodPressureInput): Promise<void> {
    const body = JSON.stringify(bloodPressureBody(reading));
    await this.#request('POST', '/bloodpressure-service/bloodpressure', 'write', {
      body: () => body,
      headers: { 'Content-Type': 'application/json' },
    });
  }

  /** Blood-pressure readings between `from` and `to` (inclusive), oldest first, in one range call. */
  async listBloodPressure(range: { from: Date; to: Date }): Promise<GarminBloodPressure[]> {
    const { from, to } = checkRange(range);
    const { start, end } = dateSpan(from, to);
    const path = `/bloodpressure-service/bloodpressure/range/${start}/${end}`;
    const response = await this.#request('GET', `${path}?includeAll=true`, 'read');
    const body = parseWith(
      bloodPressureRange,
      parseJson(response, `GET ${path}`),
      `GET ${path}`,
      response.status,
    );
    return toBloodPressures(body)
      .filter((r) => r.takenAt >= from && r.takenAt <= to)
      .sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
  }

  /**
   * Deletes one weigh-in (e.g. a duplicate) by its `samplePk` and `calendarDate`, as returned by
   * {@link listWeighIns}.
   *
   * @throws {@link GarminApiError} `NOT_FOUND` when Garmin has no such weigh-in on that date.
   */
  async deleteWeighIn(weighIn: { samplePk: number; calendarDate: string }): Promise<void> {
    const { samplePk, calendarDate } = checkRecord(weighIn?.samplePk, weighIn?.calendarDate, 'samplePk');
    await this.#request('DELETE', `/weight-service/weight/${calendarDate}/byversion/${samplePk}`, 'write');
  }

  /** Deletes one blood-pressure reading by its `version` and `calendarDate` (from {@link listBloodPressure}). */
  async deleteBloodPressure(reading: { version: number; calendarDate: string }): Promise<void> {
    const { samplePk, calendarDate } = checkRecord(reading?.version, reading?.calendarDate, 'version');
    await this.#request(
      'DELETE',
      `/bloodpressure-service/bloodpressure/${calendarDate}/${samplePk}`,
      'write',
    );
  }

  /** One API call of this client: see {@link apiRequest}. */
  #request(
    method: string,
    pathAndQuery: string,
    kind: RequestKind,
    extra: Pick<ApiRequest, 'body' | 'headers' | 'keep'> = {},
  ): Promise<ReadResponse> {
    return apiRequest(this.#session, { method, pathAndQuery, kind, ...extra });
  }
}

function hasFailures(response: ReadResponse): boolean {
  return (envelopeOf(response)?.detailedImportResult.failures?.length ?? 0) > 0;
}
