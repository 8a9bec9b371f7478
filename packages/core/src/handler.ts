import {
  parseNotification,
  type WithingsEventNotification,
  type WithingsNotification,
  WithingsNotificationError,
} from '@wg-sync/withings/notification';
import type { Engine } from './context.js';
import type { Sync } from './create-sync.js';
import { errorResponse, json, readBody, secretEquals } from './http.js';
import { status } from './status.js';

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
}

/** What `POST /sync/manual?days=N[&userId=U]` asks for, validated. */
export interface ManualSyncRequest {
  /** At least the last `days` days (1–90) are looked at. */
  days: number;
  /** Only this account; absent: every linked account. */
  userId?: string;
}

/** The syncs the routes start: those of the `Sync` the handler belongs to (they run on its coordinator). */
type Syncs = Pick<Sync, 'syncNotification' | 'syncManual'>;

const MAX_WEBHOOK_BODY = 4096;
/** Without `waitUntil`, a webhook waits this long for its sync before answering (Withings allows 2 s). */
const INLINE_BUDGET_MS = 1500;
const WEBHOOK = '/webhook/withings';
/**
 * The one answer to every well-formed notification, whoever it names: whether a user is linked,
 * unlinked or ignored is the log's business, never a stranger's.
 */
const ACCEPTED = { status: 'accepted' } as const;

/**
 * The one HTTP entry point, Web-standard `Request` → `Response`:
 * `GET /health`; `HEAD|GET|POST /webhook/withings[/<secret>]`; `POST /sync/manual?days=N` and
 * `GET /status` (Bearer `apiToken`). Malformed input is answered 400/405/413/415 with no side effect.
 * A notification is a hint: it can ask for a (debounced) sync, never set what the sync reads, and an
 * unlink is acted on only once Withings confirms it. Anonymous callers never see internal details.
 * `HEAD` on any path answers what `GET` would (status and headers, errors included) with no body.
 */
export function createHandler(engine: Engine, sync: Syncs) {
  const route = createRoutes(engine, sync);
  return async function handler(request: Request, ctx: HandlerContext = {}): Promise<Response> {
    if (request.method !== 'HEAD') return route(request, ctx);
    // HEAD is GET without the content (RFC 9110 §9.3.2), so it is routed as one: its status and
    // headers are then the GET's by construction, for every route and error, and no adapter has to
    // know. A HEAD request never has a body, so the GET copy loses nothing.
    const answer = await route(new Request(request, { method: 'GET' }), ctx);
    await answer.body?.cancel();
    return new Response(null, {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
    });
  };
}

function createRoutes(engine: Engine, sync: Syncs) {
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
      if (path === '/sync/manual' || path === '/status') {
        if (!engine.config.apiToken) return errorResponse(404, 'NOT_FOUND', 'no such route');
        const wrong = allow(request, path === '/status' ? ['GET', 'HEAD'] : ['POST']);
        if (wrong) return wrong;
        const denied = authorize(engine, request, ctx, path);
        if (denied) return denied;
        authenticated = true;
        if (path === '/status') return json(await status(engine));
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

async function webhook(
  engine: Engine,
  sync: Syncs,
  request: Request,
  ctx: HandlerContext,
): Promise<Response> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return errorResponse(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Withings notifications are application/x-www-form-urlencoded',
    );
  }
  const body = await readBody(request, MAX_WEBHOOK_BODY);
  if (body === undefined)
    return errorResponse(413, 'BODY_TOO_LARGE', `notification bodies are at most ${MAX_WEBHOOK_BODY} bytes`);
  let parsed: WithingsNotification | WithingsEventNotification;
  try {
    parsed = parseNotification(body);
  } catch (error) {
    if (error instanceof WithingsNotificationError) {
      engine.log.info('webhook.rejected', { reason: error.reason, field: error.field });
      return errorResponse(400, error.reason, error.message);
    }
    throw error;
  }
  const { userId, appli } = parsed;
  const account = await engine.linked.get(userId);
  if (!account || account.value.unlinkedAt) {
    // Costs no upstream call and no write: a flood of made-up user ids does nothing.
    engine.log.info('webhook.ignored', { userId, appli, reason: account ? 'unlinked' : 'unknown user' });
    return json(ACCEPTED);
  }
  const unlink = appli === 46 && parsed.action === 'unlink';
  if (!unlink && appli !== 1 && !(appli === 4 && engine.config.bloodPressure)) {
    engine.log.info('webhook.ignored', {
      userId,
      appli,
      reason: appli === 46 ? `appli 46 action ${parsed.action ?? 'none'}` : 'appli not synced',
    });
    return json(ACCEPTED);
  }

  const now = engine.config.now();
  // Only an unlink can arrive without a window (Withings documents appli 46 without one). The sync
  // never reads it (`lastupdate` decides), so the receipt time stands in for it.
  const notification: WithingsNotification = parsed.startDate
    ? parsed
    : { ...parsed, startDate: now, endDate: now };
  // Durable first: if anything below is lost, reconcile drains this record. The debounce decision
  // runs alongside, so it adds no round trip to the acknowledgement.
  const [, turn] = await Promise.all([
    engine.pending.record(
      userId,
      Math.min(Math.floor(notification.startDate.getTime() / 1000), Math.floor(now.getTime() / 1000)),
      now.toISOString(),
      { unlink },
    ),
    engine.debounce.claim(userId),
  ]);
  // An unlink is only reported here; the sync asks Withings whether it is true (token refused).
  engine.log.info(unlink ? 'webhook.unlink-reported' : 'webhook.accepted', {
    userId,
    appli,
    turn: turn.kind,
  });
  if (turn.kind === 'none') return json(ACCEPTED);
  if (turn.kind === 'later') {
    if (ctx.defer) await ctx.defer(notification, { notBefore: turn.at });
    else
      engine.debounce.schedule(userId, turn.at, turn.windowStartedAt, () =>
        sync.syncNotification(notification),
      );
    return json(ACCEPTED);
  }

  if (ctx.defer) {
    await ctx.defer(notification);
    return json(ACCEPTED);
  }
  const running = sync.syncNotification(notification).catch((error: unknown) => {
    engine.log.error('webhook.sync.failed', { userId, error });
    return undefined;
  });
  if (ctx.waitUntil) {
    ctx.waitUntil(running);
    return json(ACCEPTED);
  }
  // No way to keep working after the answer: give the sync most of Withings' 2 s, then answer anyway
  // (the pending record keeps what is left for the next sync or reconcile).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, INLINE_BUDGET_MS);
    }),
  ]);
  clearTimeout(timer);
  return json(ACCEPTED);
}
