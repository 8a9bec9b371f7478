import { json } from '../shared/http-server.js';
import type { AccountState } from './account-state.js';
import { CF_BM_COOKIE, cookie, SESSION_COOKIE } from './cookies.js';
import { badRequest, genericFaultResponse } from './faults.js';
import type { GarminSimState, PageSession, SsoSession } from './state.js';

/** Services a ticket can be issued for (protocol §1.1, §1.3). */
export const KNOWN_SERVICES = new Set(
  ['com', 'cn'].flatMap((tld) => [
    `https://mobile.integration.garmin.${tld}/gcm/android`,
    `https://mobile.integration.garmin.${tld}/gcm/ios`,
    `https://connect.garmin.${tld}/app`,
  ]),
);

/** The recorded login answer, with every key present (protocol §1.1). */
function loginAnswer(fields: Record<string, unknown>, type: string, httpStatus = 'OK', message = '') {
  return {
    serviceURL: null,
    serviceTicketId: null,
    responseStatus: { type, message, httpStatus },
    responseReason: null,
    customerMfaInfo: null,
    consentTypeList: null,
    captchaAlreadyPassed: false,
    samlResponse: null,
    authType: null,
    ...fields,
  };
}

/** The recorded verifyCode answer: fewer keys than the login answer. */
function verifyAnswer(fields: Record<string, unknown>, type: string, httpStatus = 'OK', message = '') {
  return {
    serviceURL: null,
    serviceTicketId: null,
    responseStatus: { type, message, httpStatus },
    responseReason: null,
    samlResponse: null,
    authType: null,
    ...fields,
  };
}

export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 2)}*****@${domain}`;
}

/** The query every mobile SSO call needs; undefined when incomplete. */
export function ssoQuery(url: URL): { clientId: string; service: string } | undefined {
  const clientId = url.searchParams.get('clientId');
  const service = url.searchParams.get('service');
  if (!clientId || !service || !KNOWN_SERVICES.has(service)) return undefined;
  return { clientId, service };
}

/**
 * The sign-in page visit whose cookies (`SESSION`, `__cf_bm`) the request carries. In the recorded
 * logins they came from `GET /mobile/sso/en/sign-in` (protocol §10).
 */
export function pageSessionOf(state: GarminSimState, request: Request): PageSession | undefined {
  const page = state.pageSessions.get(cookie(request, SESSION_COOKIE) ?? '');
  return page && cookie(request, CF_BM_COOKIE) === page.cfBm ? page : undefined;
}

/**
 * `POST /mobile/api/login` (JSON; protocol §1.1). It needs the cookies of a sign-in page visit:
 * without them the answer is Cloudflare's challenge page. That refusal is constructed (no
 * recording shows what Garmin does then); the simulator is strict so that clients keep doing what
 * the recorded logins did.
 */
export async function mobileLogin(
  state: GarminSimState,
  request: Request,
  captchaFault: boolean,
): Promise<Response> {
  const url = new URL(request.url);
  const query = ssoQuery(url);
  if (!query || !url.searchParams.get('locale')) return badRequest();
  const body = await readJson(request);
  if (!body) return badRequest();
  const page = pageSessionOf(state, request);
  if (!page) return genericFaultResponse({ kind: 'cloudflare-403', retryAfterSeconds: 0 }) as Response;
  const account = state.findAccount(body.username);
  if (captchaFault || account?.captcha) return json(loginAnswer({}, 'CAPTCHA_REQUIRED'));
  if (!account || account.password !== body.password) {
    return json(
      loginAnswer({}, 'INVALID_USERNAME_PASSWORD', 'UNAUTHORIZED', 'generalLoginInvalidUsernameOrPassword'),
      401,
    );
  }
  if (account.mfa) {
    // The pending MFA step lives on the page's SESSION cookie; the answer sets none (as recorded).
    state.sendMfaCode(state.startSession(account, query.clientId, query.service, page.id));
    return json(loginAnswer({ customerMfaInfo: mfaInfo(account), consentTypeList: [] }, 'MFA_REQUIRED'));
  }
  const ticket = state.issueTicket(account.email, query.service);
  return json(
    loginAnswer({ serviceURL: query.service, serviceTicketId: ticket, authType: 'CAS' }, 'SUCCESSFUL'),
  );
}

function mfaInfo(account: AccountState) {
  return {
    email: maskEmail(account.email),
    phoneNumber: null,
    mfaLastMethodUsed: 'email',
    defaultMfaMethod: null,
    mfaUISetting: { allowPhoneOption: true, allowAddEmailAddress: false, chooseDifferentWayShown: false },
  };
}

/** `POST /mobile/api/mfa/verifyCode`: same query and the same cookie session as the login (§1.2). */
export async function mobileVerify(state: GarminSimState, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const query = ssoQuery(url);
  const body = await readJson(request);
  if (!query || !body) return badRequest();
  const session = state.sessions.get(cookie(request, SESSION_COOKIE) ?? '');
  if (!session || session.service !== query.service || session.clientId !== query.clientId || !session.code) {
    return json(verifyAnswer({}, 'MFA_SESSION_NOT_FOUND', 'BAD_REQUEST', 'mfaSessionNotFound'), 400);
  }
  const outcome = checkCode(state, session, body.mfaVerificationCode);
  if (outcome !== 'ok') return json(verifyAnswer({}, outcome, 'BAD_REQUEST'), 400);
  const ticket = state.issueTicket(session.email, session.service);
  return json(
    verifyAnswer({ serviceURL: session.service, serviceTicketId: ticket, authType: 'CAS' }, 'SUCCESSFUL'),
  );
}

/** Checks an MFA code; a session dies after its code expires or after 5 wrong codes. */
export function checkCode(
  state: GarminSimState,
  session: SsoSession,
  code: unknown,
): 'ok' | 'INVALID_MFA_CODE' | 'MFA_CODE_EXPIRED' {
  if (state.now() > session.codeExpiresAt) {
    state.sessions.delete(session.id);
    return 'MFA_CODE_EXPIRED';
  }
  if (typeof code !== 'string' || code.trim() !== session.code) {
    session.wrongCodes += 1;
    if (session.wrongCodes >= 5) state.sessions.delete(session.id);
    return 'INVALID_MFA_CODE';
  }
  state.sessions.delete(session.id);
  return 'ok';
}

async function readJson(request: Request): Promise<Record<string, unknown> | undefined> {
  if (!(request.headers.get('content-type') ?? '').includes('application/json')) return undefined;
  try {
    const body: unknown = await request.json();
    return body && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
