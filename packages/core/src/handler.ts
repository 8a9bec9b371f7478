import {
  parseNotification,
  type WithingsNotification,
  WithingsNotificationError,
} from '@wg-sync/withings/notification';
import type { Engine } from './context.js';
import { raiseAlert } from './health.js';
import { errorResponse, json, readBody, secretEquals } from './http.js';
import type { SyncReport } from './report.js';
import { type AccountRecord, keys, update } from './state.js';

/** Extras an adapter passes with each request. */
export interface HandlerContext {
  /** Keeps work running after the response is sent (Express: nothing to do; edge runtimes: `ctx.waitUntil`). */
  waitUntil?(promise: Promise<unknown>): void;
  /** Hands a validated notification to a queue (the Lambda adapter's asynchronous self-invocation). */
  defer?(notification: WithingsNotification): Promise<void>;
}

/** What the routes need from the engine. */
export interface HandlerActions {
  syncNotification(notification: WithingsNotification): Promise<SyncReport>;
  syncAll(options: { days: number; userId?: string }): Promise<SyncReport[]>;
  status(): Promise<unknown>;
}

const MAX_WEBHOOK_BODY = 4096;
/** Without `waitUntil`, a webhook waits this long for its sync before answering (Withings allows 2 s). */
const INLINE_BUDGET_MS = 1500;
const WEBHOOK = '/webhook/withings';

/**
 * The one HTTP entry point, Web-standard `Request` → `Response`:
 * `GET /health`; `HEAD|GET|POST /webhook/withings[/<secret>]`; `POST /sync/manual?days=N` and
 * `GET /status` (Bearer `apiToken`). Malformed input is answered 400/405/413/415 with no side effect.
 */
export function createHandler(engine: Engine, actions: HandlerActions) {
  return async function handler(request: Request, ctx: HandlerContext = {}): Promise<Response> {
    let path: string;
    try {
      path = new URL(request.url).pathname.replace(/\/+$/, '') || '/';
    } catch {
      return errorResponse(400, 'BAD_REQUEST', 'invalid request URL');
    }
    try {
      if (path === '/health') {
        return allow(request, ['GET', 'HEAD']) ?? json({ ok: true });
      }
      if (path === WEBHOOK || path.startsWith(`${WEBHOOK}/`)) {
        if (!webhookPathAllowed(engine, path)) return errorResponse(404, 'NOT_FOUND', 'no such route');
        const wrong = allow(request, ['POST', 'GET', 'HEAD']);
        if (wrong) return wrong;
        // Withings checks the callback with HEAD (and some proxies with GET) before subscribing.
        if (request.method !== 'POST') return new Response(null, { status: 200 });
        return await webhook(engine, actions, request, ctx);
      }
      if (path === '/sync/manual' || path === '/status') {
        if (!engine.config.apiToken) return errorResponse(404, 'NOT_FOUND', 'no such route');
        const wrong = allow(request, path === '/status' ? ['GET'] : ['POST']);
        if (wrong) return wrong;
        const denied = authorize(engine, request);
        if (denied) return denied;
        if (path === '/status') return json(await actions.status());
        const daysText = new URL(request.url).searchParams.get('days') ?? '7';
        const days = /^\d{1,3}$/.test(daysText) ? Number(daysText) : Number.NaN;
        if (!(days >= 1 && days <= 90))
          return errorResponse(400, 'INVALID_DAYS', 'days must be a whole number from 1 to 90');
        const userId = new URL(request.url).searchParams.get('userId') ?? undefined;
        if (userId !== undefined && !/^\d{1,20}$/.test(userId))
          return errorResponse(400, 'INVALID_USER', 'userId must be a Withings user id');
        return json({ reports: await actions.syncAll({ days, ...(userId ? { userId } : {}) }) });
      }
      return errorResponse(404, 'NOT_FOUND', 'no such route');
    } catch (error) {
      engine.log.error('handler.failed', { path: path.startsWith(WEBHOOK) ? WEBHOOK : path, error });
      const code = (error as { code?: unknown })?.code;
      return errorResponse(
        500,
        typeof code === 'string' ? code : 'INTERNAL',
        engine.redactor.text((error as Error)?.message ?? 'internal error'),
      );
    }
  };
}

function allow(request: Request, methods: string[]): Response | undefined {
  if (methods.includes(request.method)) return undefined;
  return errorResponse(405, 'METHOD_NOT_ALLOWED', `use ${methods.join(' or ')}`, {
    allow: methods.join(', '),
  });
}

function webhookPathAllowed(engine: Engine, path: string): boolean {
  const secret = engine.config.webhookSecret;
  if (!secret) return path === WEBHOOK;
  const given = path.slice(WEBHOOK.length + 1);
  return path.startsWith(`${WEBHOOK}/`) && secretEquals(given, secret);
}

function authorize(engine: Engine, request: Request): Response | undefined {
  const header = request.headers.get('authorization') ?? '';
  const token = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
  if (token && secretEquals(token, engine.config.apiToken ?? '')) return undefined;
  return errorResponse(401, 'UNAUTHORIZED', 'send Authorization: Bearer <apiToken>', {
    'www-authenticate': 'Bearer',
  });
}

async function webhook(
  engine: Engine,
  actions: HandlerActions,
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
  let notification: WithingsNotification;
  try {
    notification = parseNotification(body);
  } catch (error) {
    if (error instanceof WithingsNotificationError) {
      engine.log.info('webhook.rejected', { reason: error.reason, field: error.field });
      return errorResponse(400, error.reason, error.message);
    }
    throw error;
  }
  const { store } = engine.config;
  const { userId, appli } = notification;
  const account = await engine.read<AccountRecord>(keys.account(userId));
  if (!account || account.value.unlinkedAt) {
    engine.log.info('webhook.ignored', { userId, appli, reason: account ? 'unlinked' : 'unknown user' });
    return json({ status: 'ignored', reason: account ? 'account unlinked' : 'unknown user' });
  }
  if (appli === 46) {
    if (notification.action === 'unlink') {
      await update<AccountRecord>(store, keys.account(userId), (current) => ({
        ...(current ?? account.value),
        unlinkedAt: engine.config.now().toISOString(),
      }));
      await raiseAlert(engine, {
        type: 'UNLINKED',
        userId,
        message: `Withings user ${userId} removed wg-sync's access; syncing stopped. Link again with: wg-sync withings auth`,
      });
      return json({ status: 'unlinked' });
    }
    return json({ status: 'ignored', reason: `appli 46 action ${notification.action ?? 'none'}` });
  }
  if (appli !== 1 && !(appli === 4 && engine.config.bloodPressure)) {
    engine.log.info('webhook.ignored', { userId, appli, reason: 'appli not synced' });
    return json({ status: 'ignored', reason: `appli ${appli} is not synced` });
  }

  // Durable first: if anything below is lost, reconcile drains this record.
  await engine.pending.record(
    userId,
    Math.floor(notification.startDate.getTime() / 1000),
    engine.config.now().toISOString(),
  );
  engine.log.info('webhook.accepted', { userId, appli });

  if (ctx.defer) {
    await ctx.defer(notification);
    return json({ status: 'queued' });
  }
  const running = actions.syncNotification(notification).catch((error: unknown) => {
    engine.log.error('webhook.sync.failed', { userId, error });
    return undefined;
  });
  if (ctx.waitUntil) {
    ctx.waitUntil(running);
    return json({ status: 'accepted' });
  }
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    running.then((report) => (report ? 'synced' : 'pending')),
    new Promise<'pending'>((resolve) => {
      timer = setTimeout(() => resolve('pending'), INLINE_BUDGET_MS);
    }),
  ]);
  clearTimeout(timer);
  return json({ status: finished === 'synced' ? 'synced' : 'accepted' });
}
