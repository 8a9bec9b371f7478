import type { WithingsNotification } from '@wg-sync/withings/notification';
import type { Engine } from '../context.js';
import { status } from '../observability/status.js';
import { isPageRequest } from './page/page-request.js';
import type { PageSyncs } from './page/page-route.js';
import { errorResponse, json, secretEquals } from './responses.js';
import { type Syncs, webhook } from './webhook-route.js';
import { wholeResponseParts } from './whole-response.js';

/** Extras an adapter passes with each request. */
export interface HandlerContext {
  /** Keeps work running after the response is sent (Express: nothing to do; edge runtimes: `ctx.waitUntil`). */
  waitUntil?(promise: Promise<unknown>): void;
  /**
   * Hands a validated notification to a queue (the Lambda adapter's asynchronous self-invocation).
   * With `notBefore`, the queued sync must not start before that instant: it is the debounce
   * window's closing sync.
   */
  defer?(notification: WithingsNotification, options?: { notBefore?: Date }): Promise<void>;
  /**
   * Queues an accepted `POST /sync/manual` instead of running it while the caller waits, for
   * platforms whose gateway gives up before a sync may end (API Gateway answers 504 after 29 s; the
   * Lambda adapter queues it as a signed asynchronous invocation). Called only once the token and the
   * parameters are accepted; the route then answers 202 `{"status":"queued",…,"statusUrl"}`, and
   * the outcome shows in `GET /status` (`lastAttemptAt`, `lastSuccessAt`, `lastError`).
   */
  queueManualSync?(request: ManualSyncRequest): Promise<void>;
  /** The caller's address (socket peer, or what a trusted proxy says), for per-source throttling. */
  clientAddress?: string;
  /** The platform's id for this request (Lambda's `awsRequestId`), echoed in error answers and logs. */
  requestId?: string;
  /**
   * The request's whole body, when the adapter has already read it (the Node adapter reads every
   * body before calling the handler): the same bytes as `request.body`, read from here instead, since
   * reading a Web stream back is a visible share of what an acknowledgement costs in a burst.
   */
  body?: Uint8Array;
}

/** What `POST /sync/manual?days=N[&userId=U]` asks for, validated. */
export interface ManualSyncRequest {
  /** At least the last `days` days (1–90) are looked at. */
  days: number;
  /** Only this account; absent: every linked account. */
  userId?: string;
}

const WEBHOOK = '/webhook/withings';

/**
 * Marks core's own handler. It reads only a request's method, URL and headers (the body comes from
 * `HandlerContext.body` when given) and never copies it with `new Request(request)`, so an adapter
 * may hand it a lighter object that stands in for a `Request` (adapter-express does). A handler
 * someone wrapped around it has no mark and gets a real `Request`. `Symbol.for`, so the adapter needs
 * no export for it.
 */
const TAKES_ADAPTER_REQUESTS = Symbol.for('wg-sync.handler.takes-adapter-requests');

/**
 * The one HTTP entry point, Web-standard `Request` → `Response`:
 * `GET /health`; `HEAD|GET|POST /webhook/withings[/<secret>]`; `POST /sync/manual?days=N` and
 * `GET /status` (Bearer `apiToken`); the status page, `GET|POST /` (and `GET /status` with
 * `Accept: text/html`; session cookie or Bearer) and its files under `/page/`. Malformed input is answered 400/405/413/415 with no side effect.
 * A notification is a hint: it can ask for a (debounced) sync, never set what the sync reads, and an
 * unlink is acted on only once Withings confirms it. Anonymous callers never see internal details.
 * `HEAD` on any path answers what `GET` would (status and headers, errors included) with no body.
 */
export function createHandler(engine: Engine, sync: Syncs & PageSyncs) {
  const route = createRoutes(engine, sync);
  return Object.assign(handler, { [TAKES_ADAPTER_REQUESTS]: true });
  async function handler(request: Request, ctx: HandlerContext = {}): Promise<Response> {
    if (request.method !== 'HEAD') return route(request, ctx);
    // HEAD is GET without the content (RFC 9110 §9.3.2), so it is routed as one: its status and
    // headers are then the GET's by construction, for every route and error, and no adapter has to
    // know. A HEAD request never has a body, so the GET copy loses nothing.
    // Made from the URL and headers: an adapter's request need not be one `new Request(request)` copies.
    const answer = await route(new Request(request.url, { method: 'GET', headers: request.headers }), ctx);
    const whole = wholeResponseParts(answer);
    if (whole) return new Response(null, { status: whole.status, headers: whole.headers });
    await answer.body?.cancel();
    return new Response(null, {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
    });
  }
}

function createRoutes(engine: Engine, sync: Syncs & PageSyncs) {
  // The page loads on its first request, so a webhook's cold start never pays for it.
  let page: Promise<ReturnType<typeof import('./page/page-route.js').createPageRoute>> | undefined;
  const pageRoute = () => {
    page ??= import('./page/page-route.js').then((m) => m.createPageRoute(engine, sync));
    return page;
  };
  return async function route(request: Request, ctx: HandlerContext): Promise<Response> {
    let path: string;
    try {
      path = new URL(request.url).pathname.replace(/\/+$/, '') || '/';
    } catch {
      return errorResponse(400, 'BAD_REQUEST', 'invalid request URL');
    }
    let authenticated = false;
    try {
      if (path === '/health') {
        return allow(request, ['GET', 'HEAD']) ?? json({ ok: true });
      }
      if (path === WEBHOOK || path.startsWith(`${WEBHOOK}/`)) {
        if (!webhookPathAllowed(engine, path)) return errorResponse(404, 'NOT_FOUND', 'no such route');
        const wrong = allow(request, ['POST', 'GET', 'HEAD']);
        if (wrong) return wrong;
        // Withings checks the callback with HEAD (routed here as GET), some proxies with GET, before
        // subscribing.
        if (request.method !== 'POST') return new Response(null, { status: 200 });
        return await webhook(engine, sync, request, ctx);
      }
      // The status page (`GET|POST /`, its files, `GET /status` for a browser): see page-route.ts.
      if (isPageRequest(request, path)) return await (await pageRoute())(request, ctx, path);
      if (path === '/sync/manual' || path === '/status') {
        if (!engine.config.apiToken) return errorResponse(404, 'NOT_FOUND', 'no such route');
        const wrong = allow(request, path === '/status' ? ['GET', 'HEAD'] : ['POST']);
        if (wrong) return wrong;
        const denied = authorize(engine, request, ctx, path);
        if (denied) return denied;
        authenticated = true;
        if (path === '/status') return json(await status(engine, statusOptions(request)));
        const daysText = new URL(request.url).searchParams.get('days') ?? '7';
        const days = /^\d{1,3}$/.test(daysText) ? Number(daysText) : Number.NaN;
        if (!(days >= 1 && days <= 90))
          return errorResponse(400, 'INVALID_DAYS', 'days must be a whole number from 1 to 90');
        const userId = new URL(request.url).searchParams.get('userId') ?? undefined;
        if (userId !== undefined && !/^\d{1,20}$/.test(userId))
          return errorResponse(400, 'INVALID_USER', 'userId must be a Withings user id');
        const manual: ManualSyncRequest = { days, ...(userId ? { userId } : {}) };
        if (ctx.queueManualSync) {
          await ctx.queueManualSync(manual);
          const base = engine.config.publicUrl?.replace(/\/+$/, '');
          return json({ status: 'queued', ...manual, statusUrl: base ? `${base}/status` : '/status' }, 202);
        }
        return json({ reports: await sync.syncManual(manual) });
      }
      return errorResponse(404, 'NOT_FOUND', 'no such route');
    } catch (error) {
      // It goes into a header and a log line: an adapter's id is used only when plainly an id.
      const requestId =
        ctx.requestId && /^[\w.:-]{1,128}$/.test(ctx.requestId) ? ctx.requestId : crypto.randomUUID();
      engine.log.error('handler.failed', {
        path: path.startsWith(WEBHOOK) ? WEBHOOK : path,
        requestId,
        error,
      });
      if (!authenticated) {
        // Store errors name tables, ARNs and paths: a stranger gets a reference to the log line, no more.
        return errorResponse(500, 'INTERNAL', 'internal error', { requestId });
      }
      const code = (error as { code?: unknown })?.code;
      return errorResponse(
        500,
        typeof code === 'string' ? code : 'INTERNAL',
        engine.redactor.text((error as Error)?.message ?? 'internal error'),
        { requestId },
      );
    }
  };
}

/** `GET /status?trend=N`: each account's weigh-ins of the last N days (1–400) too. */
function statusOptions(request: Request): { trendDays?: number } {
  const trend = new URL(request.url).searchParams.get('trend');
  return trend && /^\d{1,3}$/.test(trend) && Number(trend) >= 1 ? { trendDays: Number(trend) } : {};
}

function allow(request: Request, methods: string[]): Response | undefined {
  if (methods.includes(request.method)) return undefined;
  return errorResponse(405, 'METHOD_NOT_ALLOWED', `use ${methods.join(' or ')}`, {
    headers: { allow: methods.join(', ') },
  });
}

function webhookPathAllowed(engine: Engine, path: string): boolean {
  const secret = engine.config.webhookSecret;
  if (!secret) return path === WEBHOOK;
  const given = path.slice(WEBHOOK.length + 1);
  return path.startsWith(`${WEBHOOK}/`) && secretEquals(given, secret);
}

function authorize(
  engine: Engine,
  request: Request,
  ctx: HandlerContext,
  path: string,
): Response | undefined {
  // Without an address from the adapter, every caller shares one bucket: a guesser then locks the
  // admin routes for everyone for a while, which beats letting it guess.
  const source = ctx.clientAddress ?? 'unknown';
  const waitMs = engine.authThrottle.retryAfterMs(source);
  if (waitMs > 0) {
    return errorResponse(429, 'TOO_MANY_ATTEMPTS', 'too many failed attempts; try again later', {
      headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) },
    });
  }
  const header = request.headers.get('authorization') ?? '';
  const token = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
  if (token && secretEquals(token, engine.config.apiToken ?? '')) return undefined;
  const failures = engine.authThrottle.fail(source);
  // Never the attempt itself: a typo'd token is one character away from the real one.
  engine.log.warn('auth.failed', { path, source, failures, scheme: token ? 'bearer' : 'none' });
  return errorResponse(401, 'UNAUTHORIZED', 'send Authorization: Bearer <apiToken>', {
    headers: { 'www-authenticate': 'Bearer' },
  });
}
