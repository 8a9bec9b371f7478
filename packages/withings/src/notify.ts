import { WithingsApiError } from './errors.js';
import { type Endpoint, parseBody } from './http.js';
import { describeUrl } from './redact.js';
import { notifyGetBodySchema, notifyListBodySchema, toExpiry } from './schemas.js';
import type { NotifySubscription } from './types.js';

type Call = (
  endpoint: Endpoint,
  params: Record<string, string | number | undefined>,
  secrets: ReadonlyArray<string | undefined>,
) => Promise<unknown>;

/** Webhook subscription management (`POST /notify`), per user. */
export interface NotifyApi {
  /**
   * Subscribes `callbackUrl` to `appli` (1 = weight and body composition, 4 = blood pressure, 46 = user
   * actions). Withings first sends a HEAD request to the URL and expects a 2xx.
   * @throws {@link WithingsApiError} `CALLBACK_UNREACHABLE` when that check fails (status 293).
   */
  subscribe(params: { callbackUrl: string; appli?: number; comment?: string }): Promise<void>;
  /** Lists this user's subscriptions (optionally for one `appli`). */
  list(params?: { appli?: number }): Promise<NotifySubscription[]>;
  /** Reads one subscription. */
  get(params: { callbackUrl: string; appli?: number }): Promise<NotifySubscription>;
  /** Removes a subscription. */
  revoke(params: { callbackUrl: string; appli?: number }): Promise<void>;
}

export function createNotifyApi(call: Call): NotifyApi {
  return {
    async subscribe({ callbackUrl, appli = 1, comment }) {
      try {
        await call('/notify', { action: 'subscribe', callbackurl: callbackUrl, appli, comment }, [
          callbackUrl,
        ]);
      } catch (error) {
        if (error instanceof WithingsApiError && error.code === 'CALLBACK_UNREACHABLE') {
          throw new WithingsApiError(
            'CALLBACK_UNREACHABLE',
            `Withings could not verify the callback URL ${describeUrl(callbackUrl)} (status 293): it must answer ` +
              'a HEAD request with 2xx, be https on port 443 (or 80), and be at most 255 characters',
            { ...(error.status === undefined ? {} : { status: error.status }), cause: error },
          );
        }
        throw error;
      }
    },

    async list({ appli } = {}) {
      const body = await call('/notify', { action: 'list', appli }, []);
      const { profiles } = parseBody(notifyListBodySchema, body, 'Withings /notify list', []);
      return profiles.map((p) => ({
        appli: p.appli,
        callbackUrl: p.callbackurl,
        comment: p.comment ?? null,
        expiresAt: toExpiry(p.expires),
      }));
    },

    async get({ callbackUrl, appli = 1 }) {
      const body = await call('/notify', { action: 'get', callbackurl: callbackUrl, appli }, [callbackUrl]);
      const profile = parseBody(notifyGetBodySchema, body, 'Withings /notify get', [callbackUrl]);
      return {
        appli: profile.appli,
        callbackUrl: profile.callbackurl,
        comment: profile.comment ?? null,
        expiresAt: null,
      };
    },

    async revoke({ callbackUrl, appli = 1 }) {
      await call('/notify', { action: 'revoke', callbackurl: callbackUrl, appli }, [callbackUrl]);
    },
  };
}
