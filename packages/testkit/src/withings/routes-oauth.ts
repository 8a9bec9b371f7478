import { envelope, type SimState } from './state.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function page(title: string, body: string, status = 200): Response {
  return new Response(
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
    {
      status,
      headers: { 'content-type': 'text/html; charset=utf-8' },
    },
  );
}

/** GET /oauth2_user/authorize2: Withings' consent page, with an "Allow" button a headless browser can click. */
export function authorizePage(state: SimState, url: URL): Response {
  const q = url.searchParams;
  const problem = checkAuthorizeParams(state, q);
  if (problem) return page('Withings - error', `<h1>Error</h1><p id="error">${escapeHtml(problem)}</p>`, 400);
  const users = [...state.users.keys()];
  if (users.length === 0)
    return page('Withings - error', '<p id="error">no account on this simulator</p>', 400);
  const hidden = ['client_id', 'redirect_uri', 'state', 'scope']
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(q.get(name) ?? '')}">`)
    .join('');
  const options = users
    .map((id) => `<option value="${escapeHtml(id)}">user ${escapeHtml(id)}</option>`)
    .join('');
  return page(
    'Withings - Authorize',
    `<h1>Authorize ${escapeHtml(q.get('client_id') ?? '')}</h1>
<p>Scopes: <span id="scope">${escapeHtml(q.get('scope') ?? '')}</span></p>
<form method="post" action="/oauth2_user/authorize2">${hidden}
<label>Account <select name="userid" id="userid">${options}</select></label>
<button type="submit" name="decision" value="allow" id="allow">Allow this app</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form>`,
  );
}

/** POST /oauth2_user/authorize2: the user's decision; redirects to `redirect_uri?code=…&state=…`. */
export async function authorizeDecision(state: SimState, request: Request): Promise<Response> {
  const form = new URLSearchParams(await request.text());
  const problem = checkAuthorizeParams(state, form, false);
  if (problem) return page('Withings - error', `<p id="error">${escapeHtml(problem)}</p>`, 400);
  const redirect = new URL(form.get('redirect_uri') ?? '');
  const userId = form.get('userid') ?? '';
  if (form.get('decision') !== 'allow' || !state.users.has(userId)) {
    redirect.searchParams.set('error', 'access_denied');
  } else {
    const scope = (form.get('scope') ?? '').split(',').filter(Boolean);
    redirect.searchParams.set('code', state.tokens.issueCode(userId, redirect.toString(), scope));
  }
  redirect.searchParams.set('state', form.get('state') ?? '');
  return new Response(null, { status: 302, headers: { location: redirect.toString() } });
}

function checkAuthorizeParams(state: SimState, q: URLSearchParams, full = true): string | undefined {
  if (full && q.get('response_type') !== 'code') return 'response_type must be code';
  if (q.get('client_id') !== state.clientId) return 'invalid client_id';
  if (full && !q.get('scope')) return 'scope is required';
  if (!q.get('state')) return 'state is required';
  const redirectUri = q.get('redirect_uri') ?? '';
  try {
    new URL(redirectUri);
  } catch {
    return 'redirect_uri is invalid';
  }
  if (state.options.redirectUris && !state.options.redirectUris.includes(redirectUri))
    return 'redirect_uri_mismatch';
  return undefined;
}

/** POST /v2/oauth2 action=requesttoken, both grant types. */
export function requestToken(state: SimState, form: URLSearchParams): Response {
  if (form.get('action') !== 'requesttoken') return envelope(2554, {}, 'Not implemented');
  const grant = form.get('grant_type');
  if (grant !== 'authorization_code' && grant !== 'refresh_token') {
    return envelope(503, {}, 'invalid_params: invalid grant_type');
  }
  if (form.get('client_id') !== state.clientId || form.get('client_secret') !== state.clientSecret) {
    return envelope(503, {}, 'Invalid Params: invalid client_id or client_secret');
  }
  const tokens =
    grant === 'authorization_code'
      ? state.tokens.redeemCode(form.get('code') ?? '', form.get('redirect_uri') ?? '')
      : state.tokens.refresh(form.get('refresh_token') ?? '');
  if (!tokens) {
    return envelope(
      503,
      {},
      grant === 'authorization_code'
        ? 'Invalid Params: invalid code'
        : 'Invalid Params: invalid refresh_token',
    );
  }
  return envelope(0, {
    userid: Number(tokens.userId),
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    expires_in: Math.round((tokens.expiresAt.getTime() - state.clock.now().getTime()) / 1000),
    scope: tokens.scope.join(','),
    csrf_token: tokens.accessToken.slice(0, 32),
    token_type: 'Bearer',
  });
}
