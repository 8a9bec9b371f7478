import {
  notificationToJson,
  parseNotification,
  type WithingsEventNotification,
  type WithingsNotification,
  WithingsNotificationError,
} from '@wg-sync/withings/notification';
import type { Engine } from '../context.js';
import type { SyncReport } from '../observability/report.js';
import type { Sync } from '../sync-api.js';
import type { HandlerContext } from './handler.js';
import { errorResponse, json, readBody } from './responses.js';
import type { DebounceTurn } from './webhook-debounce.js';

// `POST /webhook/withings`, once routed and allowed (handler.ts): a notification is a hint, recorded
// durably before it is answered; what it may start is decided per user by the debounce.

/**
 * The syncs the routes start, those of the `Sync` the handler belongs to: manual ones on its
 * coordinator, webhook ones as messages of its queue (`work`).
 */
export type Syncs = Pick<Sync, 'syncManual' | 'work'>;

const MAX_WEBHOOK_BODY = 4096;
/** Without `waitUntil`, a webhook waits this long for its sync before answering (Withings allows 2 s). */
const INLINE_BUDGET_MS = 1500;
/**
 * The one answer to every well-formed notification, whoever it names: whether a user is linked,
 * unlinked or ignored is the log's business, never a stranger's.
 */
const ACCEPTED = { status: 'accepted' } as const;

/** Answers one notification: 415/413/400 for what is not one, otherwise 200 `{"status":"accepted"}`. */
export async function webhook(
  engine: Engine,
  sync: Syncs,
  request: Request,
  ctx: HandlerContext,
): Promise<Response> {
  engine.acks.enter();
  try {
    return await answer(engine, sync, request, ctx);
  } finally {
    engine.acks.leave();
  }
}

async function answer(engine: Engine, sync: Syncs, request: Request, ctx: HandlerContext): Promise<Response> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return errorResponse(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Withings notifications are application/x-www-form-urlencoded',
    );
  }
  const body = await readBody(request, MAX_WEBHOOK_BODY, ctx.body);
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
  const recorded = engine.pending.record(
    userId,
    Math.min(Math.floor(notification.startDate.getTime() / 1000), Math.floor(now.getTime() / 1000)),
    now.toISOString(),
    { unlink },
  );
  const claimed = engine.debounce.claim(userId);
  if (ctx.waitUntil && !ctx.defer) {
    // Nothing after the record changes the answer, and work can go on after it: the answer waits for
    // the durable record only, while the claim (a store write for a window's first notifications)
    // and the sync it starts go on behind it. Each accepted webhook still gets its turn.
    ctx.waitUntil(afterAnswer(engine, sync, notification, { recorded, claimed }));
    await recorded;
    return json(ACCEPTED);
  }
  const [, turn] = await Promise.all([recorded, claimed]);
  logTurn(engine, notification, turn);
  if (turn.kind === 'none') return json(ACCEPTED);
  if (turn.kind === 'later') {
    if (ctx.defer) await ctx.defer(notification, { notBefore: turn.at });
    else scheduleTrailing(engine, sync, notification, turn);
    return json(ACCEPTED);
  }
  if (ctx.defer) {
    await ctx.defer(notification);
    return json(ACCEPTED);
  }
  // No way to keep working after the answer: give the sync most of Withings' 2 s, then answer anyway
  // (the pending record keeps what is left for the next sync or reconcile).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    startSync(engine, sync, notification),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, INLINE_BUDGET_MS);
    }),
  ]);
  clearTimeout(timer);
  return json(ACCEPTED);
}

/** What a webhook does once it is answered (see `webhook`): its debounce turn, then the sync it calls for. */
async function afterAnswer(
  engine: Engine,
  sync: Syncs,
  notification: WithingsNotification,
  { recorded, claimed }: { recorded: Promise<void>; claimed: Promise<DebounceTurn> },
): Promise<SyncReport | undefined> {
  let turn: DebounceTurn;
  try {
    [, turn] = await Promise.all([recorded, claimed]);
  } catch (error) {
    // A record that failed is the answer's 500 (logged there). A claim that failed starts nothing:
    // the durable record waits for the next sync or reconcile.
    const wasRecorded = await recorded.then(
      () => true,
      () => false,
    );
    if (wasRecorded) engine.log.error('webhook.claim.failed', { userId: notification.userId, error });
    return undefined;
  }
  logTurn(engine, notification, turn);
  if (turn.kind === 'later') scheduleTrailing(engine, sync, notification, turn);
  if (turn.kind !== 'now') return undefined;
  // Answers first (see AckGate): the sync starts once no webhook is waiting for its answer.
  await engine.acks.idle();
  // What `waitUntil` is handed resolves with the report of the sync this webhook started, as before.
  return startSync(engine, sync, notification);
}

function logTurn(engine: Engine, notification: WithingsNotification, turn: DebounceTurn): void {
  const unlink = notification.appli === 46 && notification.action === 'unlink';
  // An unlink is only reported here; the sync asks Withings whether it is true (token refused).
  engine.log.info(unlink ? 'webhook.unlink-reported' : 'webhook.accepted', {
    userId: notification.userId,
    appli: notification.appli,
    turn: turn.kind,
  });
}

function scheduleTrailing(
  engine: Engine,
  sync: Syncs,
  notification: WithingsNotification,
  turn: Extract<DebounceTurn, { kind: 'later' }>,
): void {
  engine.debounce.schedule(notification.userId, turn.at, turn.windowStartedAt, () =>
    startSync(engine, sync, notification),
  );
}

/**
 * The webhook's sync, as a `webhook` message of the engine's queue: in-process, it waits for its turn
 * among the reconciles and manual syncs there (webhooks first, within the queue's concurrency) and
 * resolves with its report; the queue tries a retryable failure again. Never rejects (a failure is
 * logged, the pending record keeps the work).
 */
async function startSync(
  engine: Engine,
  sync: Syncs,
  notification: WithingsNotification,
): Promise<SyncReport | undefined> {
  const { userId } = notification;
  try {
    const message = { ...notificationToJson(notification) };
    const outcome = await sync.work.sendAndWait({ v: 1, kind: 'webhook', userId, notification: message });
    return outcome?.reports?.[0];
  } catch (error) {
    engine.log.error('webhook.sync.failed', { userId, error });
    return undefined;
  }
}
