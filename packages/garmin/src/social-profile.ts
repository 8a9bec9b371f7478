import { GarminApiError } from './errors.js';
import { failure, type HttpContext, label, parseJson, parseWith, send } from './http.js';
import { nativeHeaders } from './native-headers.js';
import { socialProfile } from './schemas.js';

export const SOCIAL_PROFILE_PATH = '/userprofile-service/socialProfile';

/**
 * One real API call with a fresh access token (protocol §1.4: Garmin has minted tokens that the API
 * then refused). Used right after a login; a 401/403 means the tokens are useless.
 */
export async function checkNewTokens(
  ctx: HttpContext,
  connectapi: string,
  accessToken: string,
  overrides?: Record<string, string>,
): Promise<{ displayName: string }> {
  const url = `${connectapi}${SOCIAL_PROFILE_PATH}`;
  const what = label('GET', url);
  const headers = nativeHeaders({ Authorization: `Bearer ${accessToken}` }, overrides);
  const response = await send(ctx, 'GET', url, { headers });
  if (response.status === 401) {
    throw new GarminApiError(
      'AUTH_EXPIRED',
      `Garmin issued tokens but the API refuses them (${what} → 401); log in again, preferably with garminBrowserLogin()`,
      { status: 401 },
    );
  }
  if (response.status < 200 || response.status >= 300) throw failure(response, what, ctx);
  const profile = parseWith(socialProfile, parseJson(response, what), what, response.status);
  return { displayName: profile.displayName };
}
