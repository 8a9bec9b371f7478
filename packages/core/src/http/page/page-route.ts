import type { Engine } from '../../context.js';
import { resubscribe } from '../../engine/reconcile.js';
import { HeldNotFoundError, isSyncErrorWithCode } from '../../errors.js';
import { status } from '../../observability/status.js';
import { type AccountRecord, type HeldResolution, keys } from '../../store/state.js';
import type { Sync } from '../../sync-api.js';
import type { HandlerContext } from '../handler.js';
import { errorResponse, readBody, secretEquals } from '../responses.js';
import { flashDetail, heldByAccount, heldIdOf, NOT_HELD } from './page-held.js';
import { type Flash, renderSignIn, renderStatusPage } from './render.js';

export { isPageRequest } from './page-request.js';

import {
  clearedSessionCookie,
  type PageSession,
  PageSessions,
  sessionCookie,
  sessionCookieValue,
} from './session.js';

/** The syncs the page's actions start (those of the handler's own `Sync`). */
export type PageSyncs = Pick<Sync, 'syncManual' | 'reconcile' | 'held'>;

const MAX_FORM_BODY = 4096;
/** Days a "sync now" looks back (as `POST /sync/manual` without `days`). */
const SYNC_NOW_DAYS = 7;
const FLASHES: ReadonlySet<string> = new Set<Flash>([
  'synced',
  'sync-failed',
  'sync-queued',
  'reconciled',
  'reconcile-failed',
  'subscribed',
  'subscribe-failed',
  'signed-in',
  'assigned',
  'already-synced',
  'assign-failed',
  'assign-busy',
  'dismissed',
  'not-found',
]);
/** What an action redirects to: a flash of the closed list, and for held weigh-ins the id and why. */
interface Done {
  flash: Flash;
  heldId?: string;
  why?: HeldResolution;
}

/**
 * Headers of every page answer: a strict Content-Security-Policy (scripts and styles from this
 * deployment only, no inline script, no request elsewhere), never cached, never framed.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const html = (body: string, status = 200, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { ...PAGE_HEADERS, ...headers } });

const seeOther = (location: string, headers: Record<string, string> = {}) =>
  new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', ...headers } });

/**
 * The status page's routes: `GET /` (and `GET /status` for `Accept: text/html`) shows the page to a
 * signed-in person or a Bearer caller and the sign-in form to anyone else; `POST /` signs in and out
 * and runs the actions (CSRF-checked); `GET /page/<file>` serves its stylesheet and scripts.
 */
export function createPageRoute(engine: Engine, sync: PageSyncs) {
  const token = engine.config.apiToken;
  const sessions = token ? new PageSessions(token, () => engine.config.now().getTime()) : undefined;

  return async function page(request: Request, ctx: HandlerContext, path: string): Promise<Response> {
    if (path.startsWith('/page/')) return asset(request, path);
    const { assetUrls } = await import('./assets.js');
    const assets = assetUrls();
    if (!token || !sessions) {
      // As the other admin routes: no token configured, no data (and the page says why).
      return html(renderSignIn(assets, { disabled: true }), 404);
    }
    if (request.method !== 'GET' && request.method !== 'POST') {
      return errorResponse(405, 'METHOD_NOT_ALLOWED', 'use GET or POST', {
        headers: { allow: 'GET, HEAD, POST' },
      });
    }
    const source = ctx.clientAddress ?? 'unknown';
    const throttled = () => engine.authThrottle.retryAfterMs(source);
    const bearer = /^Bearer (.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    let bearerOk = false;
    if (bearer !== undefined) {
      const wait = throttled();
      if (wait > 0) return tooMany(assets, wait);
      bearerOk = secretEquals(bearer, token);
      if (!bearerOk) {
        const failures = engine.authThrottle.fail(source);
        engine.log.warn('auth.failed', { path, source, failures, scheme: 'bearer' });
        return html(renderSignIn(assets, { error: 'wrong' }), 401);
      }
    }
    const session = sessions.verify(sessionCookieValue(request.headers.get('cookie')));

    if (request.method === 'GET') {
      if (!bearerOk && !session) return html(renderSignIn(assets));
      const url = new URL(request.url);
      const trendDays = url.searchParams.get('days') === '365' ? 365 : 90;
      const done = url.searchParams.get('done') ?? '';
      const flash = FLASHES.has(done) ? (done as Flash) : undefined;
      const report = await status(engine, { trendDays });
      const detail = flash ? flashDetail(report, flash, url.searchParams) : undefined;
      return html(
        renderStatusPage({
          report,
          now: engine.config.now(),
          trendDays,
          ...(session ? { csrf: sessions.csrf(session) } : {}),
          ...(flash ? { flash } : {}),
          ...(detail ? { flashDetail: detail } : {}),
          assets,
          webhookUrlSet: !!engine.config.publicUrl,
          names: Object.fromEntries(engine.destinations.map((d) => [d.id, d.name ?? d.id])),
          held: heldByAccount(report),
        }),
      );
    }

    // POST: a form of the page.
    if (request.headers.get('sec-fetch-site') === 'cross-site')
      return errorResponse(403, 'CROSS_SITE', 'forms of this page are posted from this page only');
    const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded')
      return errorResponse(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'post the page form (application/x-www-form-urlencoded)',
      );
    const body = await readBody(request, MAX_FORM_BODY, ctx.body);
    if (body === undefined)
      return errorResponse(413, 'BODY_TOO_LARGE', `forms are at most ${MAX_FORM_BODY} bytes`);
    const form = new URLSearchParams(body);
    const action = form.get('action');

    if (action === 'sign-in') {
      const wait = throttled();
      if (wait > 0) return tooMany(assets, wait);
      if (!secretEquals(form.get('token') ?? '', token)) {
        const failures = engine.authThrottle.fail(source);
        // Never the attempt itself: a typo'd token is one character away from the real one.
        engine.log.warn('auth.failed', { path, source, failures, scheme: 'sign-in' });
        return html(renderSignIn(assets, { error: 'wrong' }), 401);
      }
      engine.log.info('page.signed-in', { source });
      return seeOther('./', { 'set-cookie': sessionCookie(sessions.issue().value) });
    }
    // Every other form acts: a Bearer caller (no ambient credential) or the session's CSRF token.
    if (!bearerOk && !(session && sessions.csrfMatches(session, form.get('csrf') ?? undefined))) {
      return html(renderSignIn(assets, { error: 'expired' }), 403, { 'set-cookie': clearedSessionCookie() });
    }
    if (action === 'sign-out') return seeOther('./', { 'set-cookie': clearedSessionCookie() });
    const actor: Actor = { engine, sync, session };
    const done: Done | undefined =
      action === 'assign' || action === 'dismiss'
        ? await answerHeld(actor, action, form.get('heldId'))
        : await act(actor, ctx, { action, userId: form.get('userId') }).then((flash) =>
            flash ? { flash } : undefined,
          );
    if (!done) return errorResponse(400, 'BAD_REQUEST', 'unknown action or account');
    const query = new URLSearchParams({ done: done.flash });
    if (done.heldId) query.set('held', done.heldId);
    if (done.why) query.set('why', done.why);
    return seeOther(`./?${query}`);
  };
}

/** Who acts from the page: the engine and its syncs, for a signed-in session (or a Bearer caller). */
interface Actor {
  engine: Engine;
  sync: PageSyncs;
  session: PageSession | undefined;
}

/**
 * "This was me" (`assign`) and "Not me" (`dismiss`) on a held weigh-in. Only an id of the engine's
 * shape, of an account linked to this deployment, is acted on; any other is `not-found`.
 */
async function answerHeld(
  { engine, sync, session }: Actor,
  action: 'assign' | 'dismiss',
  value: string | null,
): Promise<Done> {
  const held = heldIdOf(value);
  engine.log.info('page.action', {
    action,
    ...(held ? { userId: held.userId, heldId: held.id } : { heldId: 'malformed' }),
    via: session ? 'session' : 'bearer',
  });
  if (!held) return { flash: 'not-found' };
  const account = (await engine.config.store.get<AccountRecord>(keys.account(held.userId)))?.value;
  if (!account || account.unlinkedAt) return { flash: 'not-found', heldId: held.id };
  try {
    if (action === 'dismiss') {
      await sync.held.dismiss(held.id);
      return { flash: 'dismissed', heldId: held.id };
    }
    const report = await sync.held.assign(held.id);
    if (report.failed.length > 0) return { flash: 'assign-failed', heldId: held.id };
    if (report.held?.assigned.includes(held.id)) return { flash: 'assigned', heldId: held.id };
    return { flash: 'already-synced', heldId: held.id };
  } catch (error) {
    if (error instanceof HeldNotFoundError) {
      const why = error.resolution && NOT_HELD.has(error.resolution) ? error.resolution : undefined;
      return { flash: 'not-found', heldId: held.id, ...(why ? { why: why as HeldResolution } : {}) };
    }
    if (isSyncErrorWithCode(error, 'STORE_CONFLICT')) return { flash: 'assign-busy', heldId: held.id };
    throw error;
  }
}

/** The page's other actions on an account (or all): sync now, reconcile, re-subscribe. */
async function act(
  { engine, sync, session }: Actor,
  ctx: HandlerContext,
  { action, userId }: { action: string | null; userId: string | null },
): Promise<Flash | undefined> {
  const account = userId && /^\d{1,20}$/.test(userId) ? userId : undefined;
  engine.log.info('page.action', { action, userId: account, via: session ? 'session' : 'bearer' });
  if (action === 'reconcile') {
    const report = await sync.reconcile();
    return report.ok ? 'reconciled' : 'reconcile-failed';
  }
  if (action === 'sync' && account) {
    if (ctx.queueManualSync) {
      await ctx.queueManualSync({ days: SYNC_NOW_DAYS, userId: account });
      return 'sync-queued';
    }
    const reports = await sync.syncManual({ days: SYNC_NOW_DAYS, userId: account });
    return reports.some((r) => r.failed.length > 0) ? 'sync-failed' : 'synced';
  }
  if (action === 'resubscribe' && account) {
    try {
      const done = await resubscribe(engine, account);
      return done === 'skipped' ? 'subscribe-failed' : 'subscribed';
    } catch {
      return 'subscribe-failed'; // recorded on the account (its subscription shows lost, with why)
    }
  }
  return undefined;
}

function tooMany(assets: ReturnType<typeof import('./assets.js').assetUrls>, waitMs: number): Response {
  return html(renderSignIn(assets, { error: 'throttled' }), 429, {
    'retry-after': String(Math.ceil(waitMs / 1000)),
  });
}

async function asset(request: Request, path: string): Promise<Response> {
  if (request.method !== 'GET')
    return errorResponse(405, 'METHOD_NOT_ALLOWED', 'use GET', { headers: { allow: 'GET, HEAD' } });
  const { PAGE_ASSETS } = await import('./assets.js');
  const file = PAGE_ASSETS.get(path);
  if (!file) return errorResponse(404, 'NOT_FOUND', 'no such route');
  return new Response(file.body, {
    headers: {
      'content-type': file.type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    },
  });
}
