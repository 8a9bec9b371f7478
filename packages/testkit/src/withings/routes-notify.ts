import { envelope, intParam, type SimState, type SimUser } from './state.js';

/** The appli codes Withings documents. */
const APPLIS = new Set([1, 2, 4, 16, 44, 46, 50, 51, 52, 53, 54, 55, 58]);
const NO_EXPIRY = 2_147_483_647;
const NOT_FOUND = 'Invalid Params: no such subscription';

/** POST /notify: subscribe (with the HEAD check), get, list, revoke. */
export async function notify(state: SimState, user: SimUser, form: URLSearchParams): Promise<Response> {
  const action = form.get('action');
  const appliParam = intParam(form, 'appli');
  if (appliParam === null || (appliParam !== undefined && !APPLIS.has(appliParam))) {
    return envelope(283, {}, 'Invalid Params: appli');
  }
  const callbackUrl = form.get('callbackurl') ?? '';
  const mine = state.subscriptions.filter((s) => s.userId === user.userId);

  switch (action) {
    case 'subscribe': {
      if (appliParam === undefined) return envelope(283, {}, 'Invalid Params: appli');
      if (!callbackUrl) return envelope(293, {}, "The callback URL '' is either unknown or invalid");
      if (!callbackAllowed(callbackUrl, state.options.strictCallbackUrls ?? false)) {
        return envelope(293, {}, `The callback URL '${callbackUrl}' is either unknown or invalid`);
      }
      if (!(await state.deliverer.headCheck(callbackUrl))) {
        return envelope(293, {}, `The callback URL '${callbackUrl}' is either unknown or invalid`);
      }
      // Withings keeps one entry per subscribe call; subscribing twice gives two deliveries per event.
      state.subscriptions.push({
        userId: user.userId,
        appli: appliParam,
        callbackUrl,
        comment: form.get('comment'),
        consecutiveFailures: 0,
      });
      return envelope(0, {});
    }
    case 'list':
      return envelope(0, {
        profiles: mine
          .filter((s) => appliParam === undefined || s.appli === appliParam)
          .map((s) => ({
            appli: s.appli,
            callbackurl: s.callbackUrl,
            expires: NO_EXPIRY,
            comment: s.comment,
          })),
      });
    case 'get': {
      const appli = appliParam ?? 1;
      const found = mine.find((s) => s.callbackUrl === callbackUrl && s.appli === appli);
      if (!found) return envelope(343, {}, NOT_FOUND);
      return envelope(0, { appli: found.appli, callbackurl: found.callbackUrl, comment: found.comment });
    }
    case 'revoke': {
      const gone = mine.filter(
        (s) => s.callbackUrl === callbackUrl && (appliParam === undefined || s.appli === appliParam),
      );
      if (gone.length === 0) return envelope(343, {}, NOT_FOUND);
      state.subscriptions = state.subscriptions.filter((s) => !gone.includes(s));
      return envelope(0, {});
    }
    default:
      return envelope(2554, {}, 'Not implemented');
  }
}

/** Withings' rules for callback URLs; in relaxed mode only the length and URL syntax are checked. */
function callbackAllowed(callbackUrl: string, strict: boolean): boolean {
  if (callbackUrl.length > 255) return false;
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    return false;
  }
  if (!strict) return url.protocol === 'http:' || url.protocol === 'https:';
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const ipOrLocal = /^(\d+\.){3}\d+$|^\[|^localhost$/i.test(url.hostname);
  return url.protocol === 'https:' && (port === '443' || port === '80') && !ipOrLocal;
}
