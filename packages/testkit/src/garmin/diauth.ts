import { json } from '../shared/http-server.js';
import type { GarminSimState } from './state.js';
import type { GarminSimFaultKind } from './types.js';

export const SERVICE_TICKET_GRANT =
  'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket';

const oauthError = (status: number, error: string, description: string) =>
  json({ error, error_description: description }, status);

/**
 * `POST /di-oauth2-service/oauth/token` (protocol §1.5–1.6): form-encoded, Basic `base64("<id>:")`,
 * accepted client ids only, single-use short-lived tickets bound to their service, rotating
 * single-use refresh tokens that only the client the tokens were issued to may use.
 *
 * Options play what 2026 reports describe (protocol §10): `jwtClientId` (tokens issued to another
 * id than the one asking), `refusalSpendsTicket` (an unknown id uses the ticket up),
 * `refreshWithoutRefreshToken`; the `inactive-token` fault issues tokens the API refuses.
 */
export async function diToken(
  state: GarminSimState,
  request: Request,
  kind?: GarminSimFaultKind,
): Promise<Response> {
  if (!(request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
    return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(await request.text());
  const clientId = form.get('client_id') ?? '';
  const grant = form.get('grant_type');
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  const credentials = basic ? Buffer.from(basic, 'base64').toString('utf8') : undefined;
  if (!clientId || credentials !== `${clientId}:`) {
    return oauthError(401, 'invalid_client', 'Bad client credentials');
  }
  if (!state.acceptsClient(clientId)) {
    if (state.refusalSpendsTicket && grant === SERVICE_TICKET_GRANT) {
      state.spendTicket(form.get('service_ticket') ?? '');
    }
    return oauthError(401, 'invalid_client', `Client ${clientId} is not authorized`);
  }
  const inactive = kind === 'inactive-token';

  if (grant === SERVICE_TICKET_GRANT) {
    const ticket = form.get('service_ticket') ?? '';
    const outcome = state.redeemTicket(ticket, form.get('service_url') ?? '');
    if ('refused' in outcome) return oauthError(400, 'invalid_grant', 'invalid service ticket provided');
    return json(state.issueTokens(outcome.email, clientId, { inactive }));
  }
  if (grant === 'refresh_token') {
    const token = form.get('refresh_token') ?? '';
    const email = state.redeemRefreshToken(token, clientId);
    // Garmin echoes the token back in the error (withings-sync#260): clients must scrub it.
    if (!email) return oauthError(400, 'invalid_grant', `Invalid refresh token: ${token}`);
    return json(
      state.issueTokens(email, clientId, { inactive, omitRefreshToken: state.refreshWithoutRefreshToken }),
    );
  }
  return oauthError(400, 'unsupported_grant_type', 'Unsupported grant type');
}
