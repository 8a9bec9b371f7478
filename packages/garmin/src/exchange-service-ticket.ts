import { GarminApiError } from './errors.js';
import {
  errorDetail,
  failure,
  type HttpContext,
  httpContext,
  isHtml,
  isJsonRateLimit,
  label,
  type ReadResponse,
  send,
} from './http.js';
import { nativeHeaders } from './native-headers.js';
import { oauthError } from './schemas.js';
import { basicAuth, DI_EXTRA_HEADERS, tokensFromResponse } from './token-response.js';
import type { GarminHttpOptions, GarminTokens } from './types.js';
import { DI_TOKEN_PATH, GARMIN_DI_CLIENT_IDS, resolveHosts, SERVICE_TICKET_GRANT } from './urls.js';

/** Options of {@link exchangeServiceTicket}. */
export interface ExchangeServiceTicketOptions extends GarminHttpOptions {
  /**
   * The `service` the ticket was issued for; it must match exactly. For a mobile login or
   * {@link garminSignInUrl} that is {@link garminServiceUrl}`(domain)`.
   */
  serviceUrl: string;
  /**
   * DI client ids to try, newest first (default {@link GARMIN_DI_CLIENT_IDS}). Only an id Garmin
   * refuses as a client (`invalid_client`) moves on to the next one; see {@link exchangeServiceTicket}.
   */
  clientIds?: readonly string[];
  /** Extra or replacement headers for the token request. */
  headers?: Record<string, string>;
}

/**
 * Exchanges a CAS service ticket (`ST-…`, from any Garmin sign-in) for DI OAuth2 tokens
 * (protocol §1.5). Tickets are single-use and live a minute or two, so call this right after
 * signing in. It only exchanges: prove the tokens with one API call before trusting them
 * ({@link garminLogin} and {@link garminBrowserLogin} do).
 *
 * Client ids are tried in order, but only as long as Garmin refuses the *client*:
 * - `invalid_client` / `unauthorized_client` (or a bare 401): Garmin does not know this id, so it
 *   never looked at the ticket: the next id is tried.
 * - `invalid_grant`: Garmin refused the *ticket* (spent, expired, or issued for another service).
 *   One 2026 client reports that a refused id spends the ticket (protocol §10), and then every
 *   further id would fail the same way: the exchange stops with `REAUTH_REQUIRED`.
 * - 429 or a Cloudflare page stops at once (`RATE_LIMITED`/`BLOCKED`); a 5xx or any other answer
 *   stops too, since the ticket's fate is unknown (`UPSTREAM`).
 *
 * If the JWT names another `client_id` than the one that asked, the JWT's is kept (protocol §10).
 *
 * @param ticket - `ST-…`, or a whole address containing `ticket=ST-…` (as copied from a browser).
 * @returns Tokens whose `clientId` is the id Garmin issued them to.
 * @throws {@link GarminApiError} `REAUTH_REQUIRED` when the ticket is refused or no id is accepted
 *   (the message names the client ids and says to sign in again), `RATE_LIMITED`, `BLOCKED`,
 *   `UPSTREAM`, `PROTOCOL`.
 *
 * @example
 * ```ts
 * import { exchangeServiceTicket, garminServiceUrl } from '@wg-sync/garmin';
 *
 * const tokens = await exchangeServiceTicket('ST-0123456-AbCdEfGhIjKlMnOpQrSt-sso', {
 *   serviceUrl: garminServiceUrl(),
 * });
 * ```
 */
export async function exchangeServiceTicket(
  ticket: string,
  options: ExchangeServiceTicketOptions,
): Promise<GarminTokens> {
  const serviceTicket = extractTicket(ticket);
  const domain = options.domain ?? 'garmin.com';
  const { diauth } = resolveHosts(domain, options.urls);
  const clientIds = checkClientIds(options.clientIds ?? GARMIN_DI_CLIENT_IDS);
  if (typeof options.serviceUrl !== 'string' || options.serviceUrl === '') {
    throw new RangeError('serviceUrl is required: the service the ticket was issued for');
  }
  const ctx = httpContext(options, () => [serviceTicket]);
  const url = `${diauth}${DI_TOKEN_PATH}`;
  const what = label('POST', url);
  const unknownIds: string[] = [];
  for (const clientId of clientIds) {
    const headers = nativeHeaders(
      { ...DI_EXTRA_HEADERS, Authorization: basicAuth(clientId) },
      options.headers,
    );
    const body = new URLSearchParams({
      client_id: clientId,
      service_ticket: serviceTicket,
      grant_type: SERVICE_TICKET_GRANT,
      service_url: options.serviceUrl,
    });
    const response = await send(ctx, 'POST', url, { headers, body });
    if (response.status >= 200 && response.status < 300 && !isJsonRateLimit(response)) {
      const tokens = tokensFromResponse(response, what, { clientId, domain });
      if (tokens.clientId !== clientId) {
        note(
          ctx,
          `${what}: asked as ${clientId}, Garmin issued the tokens to ${tokens.clientId}; keeping that id`,
        );
      }
      return tokens;
    }
    const error = failure(response, what, ctx);
    // A 429 (or a Cloudflare page) would answer every other id the same way: stop here.
    if (error.code === 'RATE_LIMITED' || error.code === 'BLOCKED') throw error;
    const refusal = oauthErrorOf(response);
    if (isClientRefusal(response, refusal)) {
      unknownIds.push(`${clientId}: HTTP ${response.status}${refusal ? ` ${refusal}` : ''}`);
      note(ctx, `${what}: Garmin does not accept DI client id ${clientId}; trying the next one`);
      continue;
    }
    if (refusal === 'invalid_grant') {
      const after = unknownIds.length ? ` after refusing ${unknownIds.join(', ')} as unknown clients` : '';
      throw new GarminApiError(
        'REAUTH_REQUIRED',
        `Garmin refused the service ticket for DI client id ${clientId} ${errorDetail(response, ctx.secrets())}${after}. The ticket is spent, expired or was issued for another service, and it is not tried with further ids (a refusal may already have used it up): sign in again`,
        { status: response.status },
      );
    }
    throw error;
  }
  throw new GarminApiError(
    'REAUTH_REQUIRED',
    `Garmin accepted none of the DI client ids (${unknownIds.join(', ')}). Garmin may have rotated them: pass newer ones as clientIds (WG_SYNC_GARMIN_CLIENT_IDS, --client-ids), then sign in again`,
  );
}

/** The OAuth2 `error` of a refusal (`invalid_grant`, …), when the body has one. */
function oauthErrorOf(response: ReadResponse): string | undefined {
  try {
    const parsed = oauthError.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when Garmin refused the client id itself, before looking at the ticket: the OAuth2 client
 * errors, or a 401 without an OAuth2 body (401 is the status of failed client authentication).
 */
function isClientRefusal(response: ReadResponse, error: string | undefined): boolean {
  if (response.status < 400 || response.status >= 500) return false;
  if (error === 'invalid_client' || error === 'unauthorized_client') return true;
  return error === undefined && response.status === 401 && !isHtml(response);
}

function checkClientIds(clientIds: readonly string[]): readonly string[] {
  if (!Array.isArray(clientIds) || clientIds.length === 0) {
    throw new RangeError('clientIds must name at least one DI client id');
  }
  for (const id of clientIds) {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(id)) {
      throw new RangeError('clientIds must be DI client ids (letters, digits, _ . -)');
    }
  }
  return clientIds;
}

function note(ctx: HttpContext, line: string): void {
  try {
    ctx.debug?.(line);
  } catch {
    // A failing logger must never break the exchange.
  }
}

/** `ST-…` from a bare ticket or from an address carrying `ticket=ST-…`. */
function extractTicket(input: string): string {
  if (typeof input !== 'string') throw new TypeError('ticket must be a string');
  const trimmed = input.trim();
  const fromUrl = /[?&]ticket=(ST-[^&#\s]+)/.exec(trimmed)?.[1];
  const ticket = fromUrl ? decodeURIComponent(fromUrl) : trimmed;
  if (!/^ST-[A-Za-z0-9._-]+$/.test(ticket)) {
    throw new GarminApiError(
      'PROTOCOL',
      'that is not a Garmin service ticket: expected ST-… or an address containing ticket=ST-…',
    );
  }
  return ticket;
}
