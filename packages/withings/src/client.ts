import { WithingsApiError } from './errors.js';
import { callWithings, createTransport, type Endpoint, parseBody, type Transport } from './http.js';
import { decodeGroup } from './measures.js';
import { createNotifyApi, type NotifyApi } from './notify.js';
import { withingsOAuth } from './oauth.js';
import { getmeasBodySchema } from './schemas.js';
import type { GetMeasuresResult, MeasureGroup, WithingsTokens } from './types.js';

/** Refresh when the access token expires within this margin. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Options for {@link WithingsClient}. */
export interface WithingsClientOptions {
  clientId: string;
  clientSecret: string;
  /** The user's current tokens. */
  tokens: WithingsTokens;
  /**
   * Called with every new token pair, and awaited **before** the new access token is used: Withings
   * rotates refresh tokens, so store the pair here. Resolve with a different pair to make the client use
   * that one instead (for example the newer pair another process stored when your compare-and-swap
   * write lost a race). If it throws, the new pair is not used and the error reaches the caller.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: `async (t) => { await save(t); }` must fit, as the contract says Promise<void>
  onTokens?: (tokens: WithingsTokens) => Promise<void | WithingsTokens>;
  /**
   * Called before every refresh to pick up a newer pair that another process may have stored, so an
   * outdated refresh token is never sent. Resolve with the stored tokens, or `undefined`.
   */
  reloadTokens?: () => Promise<WithingsTokens | undefined>;
  /** API host, default `https://wbsapi.withings.net`. */
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => Date;
  /**
   * Withings' 601 answers say how long to wait. A wait up to this long is waited out once; a longer one
   * (or a second 601) is thrown as `RATE_LIMITED`. Default 0: never wait.
   */
  maxRateLimitWaitMs?: number;
  /** Time limit per HTTP call, default 20 s. */
  timeoutMs?: number;
  /**
   * The most bytes read from one response body, default 5 MiB (`5 * 1024 * 1024`), token refreshes
   * included. A larger answer is a `WithingsApiError` with code `UPSTREAM`, and the connection is
   * dropped instead of downloading the rest. A positive whole number; anything else throws
   * `INVALID_PARAMS` from the constructor.
   */
  maxResponseBytes?: number;
  /** Pagination guard: more pages than this is an error, not a loop. Default 50. */
  maxPages?: number;
}

/** Parameters of {@link WithingsClient.getMeasures}. */
export interface GetMeasuresParams {
  /** Only groups created or modified after this instant (the documented way to sync). */
  lastUpdate?: Date;
  /** Only groups measured at or after this instant. */
  startDate?: Date;
  /** Only groups measured at or before this instant. */
  endDate?: Date;
  /** Only these measure types (`meastypes`). Default: all types. */
  types?: number[];
  /** 1 real measures (default), 2 user objectives. */
  category?: 1 | 2;
}

/**
 * A typed Withings API client for one user. It refreshes the access token only when it expires
 * within 5 minutes (or once after Withings refuses it), shares one refresh between concurrent calls,
 * and hands every new pair to `onTokens` before using it.
 *
 * @example
 * ```ts
 * import { toWeighIns, WithingsClient } from '@wg-sync/withings';
 *
 * const client = new WithingsClient({
 *   clientId, clientSecret, tokens,
 *   onTokens: async (next) => saveTokens(next), // the refresh token rotates: store it first
 * });
 * const { groups, updateTime } = await client.getMeasures({ lastUpdate: new Date(Date.now() - 7 * 86_400_000) });
 * const { weighIns, excluded } = toWeighIns(groups);
 * ```
 */
export class WithingsClient {
  /** Webhook subscriptions (`/notify`). */
  readonly notify: NotifyApi;

  readonly #options: WithingsClientOptions;
  readonly #transport: Transport;
  readonly #now: () => Date;
  #tokens: WithingsTokens;
  #refreshing: Promise<WithingsTokens> | undefined;

  constructor(options: WithingsClientOptions) {
    this.#options = options;
    this.#tokens = { ...options.tokens };
    this.#now = options.now ?? (() => new Date());
    this.#transport = createTransport(options);
    this.notify = createNotifyApi((endpoint, params, secrets) => this.#call(endpoint, params, secrets));
  }

  /** The tokens the client currently uses (a copy). */
  get tokens(): WithingsTokens {
    return { ...this.#tokens };
  }

  /** The Withings user id these tokens belong to. */
  get userId(): string {
    return this.#tokens.userId;
  }

  /**
   * Fetches measure groups, following `more`/`offset` across every page.
   * @throws {@link WithingsApiError} for every failure; a page that does not advance, or more than
   *   `maxPages` pages, is `UPSTREAM`.
   */
  async getMeasures(params: GetMeasuresParams = {}): Promise<GetMeasuresResult> {
    const base = {
      action: 'getmeas',
      category: params.category ?? 1,
      lastupdate: toEpochSeconds(params.lastUpdate, 'lastUpdate'),
      startdate: toEpochSeconds(params.startDate, 'startDate'),
      enddate: toEpochSeconds(params.endDate, 'endDate'),
      meastypes: params.types?.length ? params.types.join(',') : undefined,
    };
    const maxPages = this.#options.maxPages ?? 50;
    const groups: MeasureGroup[] = [];
    let updateTime: number | undefined;
    let timeZone = '';
    let offset: string | number | undefined;
    let pages = 0;
    for (let page = 1; ; page += 1) {
      if (page > maxPages) {
        throw new WithingsApiError(
          'UPSTREAM',
          `Withings /measure getmeas: still more data after ${maxPages} pages`,
        );
      }
      const raw = await this.#call('/measure', { ...base, offset }, []);
      const body = parseBody(getmeasBodySchema, raw, 'Withings /measure getmeas', this.#secrets());
      groups.push(...body.measuregrps.map(decodeGroup));
      pages = page;
      updateTime = Math.min(updateTime ?? body.updatetime, body.updatetime);
      timeZone ||= body.timezone;
      if (!body.more) break;
      if (!advances(offset, body.offset)) {
        throw new WithingsApiError(
          'UPSTREAM',
          `Withings /measure getmeas: page ${page} says more=1 but offset ${String(body.offset)} does not advance`,
        );
      }
      offset = body.offset;
    }
    return { groups, updateTime: new Date((updateTime ?? 0) * 1000), timeZone, pages };
  }

  /**
   * Refreshes the tokens now, whatever their expiry (for health checks). Concurrent calls share one refresh.
   * @returns the new tokens, already handed to `onTokens`.
   */
  refresh(): Promise<WithingsTokens> {
    return this.#refreshOnce(this.#tokens.accessToken, 'forced');
  }

  async #call(
    endpoint: Endpoint,
    params: Record<string, string | number | undefined>,
    secrets: ReadonlyArray<string | undefined>,
  ): Promise<unknown> {
    let accessToken = await this.#usableAccessToken();
    let refreshedAfterRejection = false;
    let waitedForRateLimit = false;
    for (;;) {
      try {
        return await callWithings(this.#transport, {
          endpoint,
          params,
          accessToken,
          secrets: [...secrets, ...this.#secrets()],
        });
      } catch (error) {
        if (!(error instanceof WithingsApiError)) throw error;
        if (error.code === 'INVALID_TOKEN' && !refreshedAfterRejection) {
          refreshedAfterRejection = true;
          accessToken = (await this.#refreshOnce(accessToken, 'rejected')).accessToken;
          continue;
        }
        const wait = error.retryAfterMs;
        if (
          error.code === 'RATE_LIMITED' &&
          !waitedForRateLimit &&
          wait !== undefined &&
          wait <= (this.#options.maxRateLimitWaitMs ?? 0)
        ) {
          waitedForRateLimit = true;
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        throw error;
      }
    }
  }

  async #usableAccessToken(): Promise<string> {
    if (this.#refreshing) return (await this.#refreshing).accessToken;
    if (this.#tokens.expiresAt.getTime() - this.#now().getTime() > REFRESH_MARGIN_MS)
      return this.#tokens.accessToken;
    return (await this.#refreshOnce(this.#tokens.accessToken, 'expiring')).accessToken;
  }

  /** One refresh at a time; a call whose token was already replaced just uses the new one. */
  #refreshOnce(
    staleAccessToken: string,
    reason: 'expiring' | 'rejected' | 'forced',
  ): Promise<WithingsTokens> {
    if (this.#refreshing) return this.#refreshing;
    if (reason !== 'forced' && this.#tokens.accessToken !== staleAccessToken)
      return Promise.resolve(this.#tokens);
    this.#refreshing = this.#refresh(staleAccessToken, reason).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(
    staleAccessToken: string,
    reason: 'expiring' | 'rejected' | 'forced',
  ): Promise<WithingsTokens> {
    const stored = await this.#options.reloadTokens?.();
    if (stored && stored.refreshToken !== this.#tokens.refreshToken) {
      // Another process refreshed and stored a newer pair: never send our outdated refresh token.
      this.#tokens = { ...stored };
      const fresh = stored.expiresAt.getTime() - this.#now().getTime() > REFRESH_MARGIN_MS;
      if (reason !== 'forced' && fresh && stored.accessToken !== staleAccessToken) return this.#tokens;
    }
    const next = await withingsOAuth.refreshTokens({
      clientId: this.#options.clientId,
      clientSecret: this.#options.clientSecret,
      refreshToken: this.#tokens.refreshToken,
      baseUrl: this.#transport.baseUrl,
      fetch: this.#transport.fetch,
      now: this.#now,
      timeoutMs: this.#transport.timeoutMs,
      maxResponseBytes: this.#transport.maxResponseBytes,
    });
    if (next.userId !== this.#tokens.userId) {
      throw new WithingsApiError(
        'UPSTREAM',
        'Withings /v2/oauth2 requesttoken: the refreshed tokens belong to another user',
      );
    }
    const replacement = await this.#options.onTokens?.(next);
    this.#tokens = { ...(replacement ?? next) };
    return this.#tokens;
  }

  #secrets(): string[] {
    return [this.#tokens.accessToken, this.#tokens.refreshToken, this.#options.clientSecret];
  }
}

function toEpochSeconds(date: Date | undefined, name: string): number | undefined {
  if (date === undefined) return undefined;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new WithingsApiError('INVALID_PARAMS', `getMeasures: ${name} must be a valid Date`);
  }
  return Math.floor(date.getTime() / 1000);
}

/** A `more=1` page must move the cursor forward: a missing, repeated or smaller offset would loop forever. */
function advances(previous: string | number | undefined, next: string | number | undefined): boolean {
  if (next === undefined || next === '' || String(next) === String(previous ?? '')) return false;
  const [from, to] = [Number(previous ?? 0), Number(next)];
  if (Number.isFinite(from) && Number.isFinite(to)) return to > from;
  return true;
}
