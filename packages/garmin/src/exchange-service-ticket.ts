import { GarminApiError } from './errors.js';
import { failure, httpContext, isJsonRateLimit, label, send } from './http.js';
import { nativeHeaders } from './native-headers.js';
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
  /** DI client ids to try, in order (default {@link GARMIN_DI_CLIENT_IDS}). */
  clientIds?: readonly string[];
  /** Extra or replacement headers for the token request. */
  headers?: Record<string, string>;
}

/**
 * Exchanges a CAS service ticket (`ST-…`, from any Garmin sign-in) for DI OAuth2 tokens
 * (protocol §1.5), trying the DI client ids in order until Garmin accepts one. Tickets are
 * single-use and live a minute or two, so call this right after signing in.
 *
 * @param ticket - `ST-…`, or a whole address containing `ticket=ST-…` (as copied from a browser).
 * @returns Tokens whose `clientId` is the id Garmin accepted.
 * @throws {@link GarminApiError} `REAUTH_REQUIRED` when every client id was refused (expired, used
 *   or foreign ticket, or a `serviceUrl` mismatch), `RATE_LIMITED` (a 429 stops the exchange),
 *   `BLOCKED`, `UPSTREAM`, `PROTOCOL`.
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
  const clientIds = options.clientIds ?? GARMIN_DI_CLIENT_IDS;
  if (clientIds.length === 0) throw new RangeError('clientIds must name at least one DI client id');
  if (typeof options.serviceUrl !== 'string' || options.serviceUrl === '') {
    throw new RangeError('serviceUrl is required: the service the ticket was issued for');
  }
  const ctx = httpContext(options, () => [serviceTicket]);
  const url = `${diauth}${DI_TOKEN_PATH}`;
  const what = label('POST', url);
  const refusals: string[] = [];
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
      return tokensFromResponse(response, what, clientId, domain);
    }
    const error = failure(response, what, ctx);
    // A 429 (or a Cloudflare page) would answer every other id the same way: stop here.
    if (error.code === 'RATE_LIMITED' || error.code === 'BLOCKED') throw error;
    refusals.push(`${clientId}: HTTP ${response.status}`);
  }
  throw new GarminApiError(
    'REAUTH_REQUIRED',
    `Garmin refused the service ticket for every DI client id (${refusals.join(', ')}). Tickets are single-use, expire within a minute or two and must be exchanged with the service they were issued for; sign in again`,
  );
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
