import { cookie, pageCookies, setCookie } from './cookies.js';
import { badRequest } from './faults.js';
import { checkCode, maskEmail, ssoQuery } from './sso.js';
import type { GarminSimState } from './state.js';

const PAGE_COOKIE = 'GARMIN-SSO-PAGE';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function page(title: string, body: string, status = 200, headers: Array<[string, string]> = []): Response {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  const all = new Headers(headers);
  all.set('content-type', 'text/html; charset=utf-8');
  return new Response(html, { status, headers: all });
}

function signInForm(action: string, error?: string, captcha = false): string {
  return `${error ? `<p id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
  <label>Email <input id="email" name="username" type="email" autocomplete="username"></label>
  <label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
  ${captcha ? '<label><input id="captcha" name="captcha" type="checkbox" value="passed"> I am human</label>' : ''}
  <button id="login-btn-signin" type="submit">Sign In</button>
</form>`;
}

function mfaForm(action: string, sentTo: string, error?: string): string {
  return `<p id="mfa-sent">We sent a code to ${escapeHtml(sentTo)}.</p>${error ? `<p id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
  <label>Code <input id="verification-code" name="mfaCode" inputmode="numeric" autocomplete="one-time-code"></label>
  <button id="mfa-submit" type="submit">Verify</button>
</form>`;
}

export type SignInStep = 'sign-in' | 'verifyMFA';

/** What the page's path names: `/mobile/sso/<locale>/<step>`. */
export interface SignInPagePath {
  locale: string;
  step: SignInStep;
}

/**
 * Garmin's browser sign-in for the mobile service (`/mobile/sso/<locale>/sign-in`): a form, an MFA
 * step on the same cookie session, then a 302 to `<service>?ticket=ST-…`.
 */
export async function signInPage(
  state: GarminSimState,
  request: Request,
  { locale, step }: SignInPagePath,
  captchaFault: boolean,
): Promise<Response> {
  const url = new URL(request.url);
  const signInAction = `/mobile/sso/${locale}/sign-in${url.search}`;
  const mfaAction = `/mobile/sso/${locale}/verifyMFA${url.search}`;
  if (request.method === 'GET') {
    // Recorded as `GET /mobile/sso/en/sign-in?clientId=…` (no service): the visit only sets the
    // session cookies a JSON login then needs. A browser sign-in names its service.
    const service = url.searchParams.get('service');
    if (!url.searchParams.get('clientId') || (service !== null && !ssoQuery(url))) return badRequest();
    return page(
      'Sign In',
      signInForm(signInAction, undefined, captchaFault),
      200,
      pageCookies(state.startPageSession()),
    );
  }
  const query = ssoQuery(url);
  if (!query) return badRequest();
  if (request.method !== 'POST') return badRequest();
  const form = new URLSearchParams(await request.text());

  if (step === 'verifyMFA') {
    const session = state.sessions.get(cookie(request, PAGE_COOKIE) ?? '');
    if (!session || session.service !== query.service) {
      return page('Sign In', signInForm(signInAction, 'Your session expired. Please sign in again.'));
    }
    const outcome = checkCode(state, session, form.get('mfaCode') ?? '');
    if (outcome !== 'ok') {
      return state.sessions.has(session.id)
        ? page(
            'Enter Security Code',
            mfaForm(mfaAction, maskEmail(session.email), 'Invalid code. Please try again.'),
          )
        : page(
            'Sign In',
            signInForm(signInAction, 'Too many attempts or code expired. Please sign in again.'),
          );
    }
    return redirectWithTicket(state, session.email, session.service);
  }

  const account = state.findAccount(form.get('username'));
  const needsCaptcha = captchaFault || account?.captcha === true;
  if (needsCaptcha && form.get('captcha') !== 'passed') {
    return page('Sign In', signInForm(signInAction, 'Please complete the captcha.', true));
  }
  if (!account || account.password !== form.get('password')) {
    return page(
      'Sign In',
      signInForm(signInAction, 'Invalid sign in. (Passwords are case sensitive.)', needsCaptcha),
    );
  }
  if (account.mfa) {
    const session = state.startSession(account, query.clientId, query.service);
    state.sendMfaCode(session);
    return page('Enter Security Code', mfaForm(mfaAction, maskEmail(account.email)), 200, [
      ['set-cookie', setCookie(PAGE_COOKIE, session.id)],
    ]);
  }
  return redirectWithTicket(state, account.email, query.service);
}

function redirectWithTicket(state: GarminSimState, email: string, service: string): Response {
  const ticket = state.issueTicket(email, service);
  return new Response(null, { status: 302, headers: { location: `${service}?ticket=${ticket}` } });
}
