import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Sync } from '@wg-sync/core';
import {
  notificationFromJson,
  notificationToJson,
  WithingsNotificationError,
  type WithingsNotificationJson,
} from '@wg-sync/withings/notification';
import { AsyncEventRejectedError } from '../errors.js';

/** A validated Withings notification, as `sync.syncNotification` takes it. */
export type WithingsNotification = Parameters<Sync['syncNotification']>[0];

/** The marker property of the adapter's own async event; its value names the format version. */
export const ASYNC_EVENT_MARKER = 'wg-sync';
const FORMAT = 'notification/v1';
const MAX_PAYLOAD_CHARS = 2048;
/** Lambda's async queue and this host may disagree a little about the time. */
const CLOCK_SKEW_SECONDS = 300;

/**
 * An event `lambdaAdapter` invokes its own function with: a signed payload whose format the marker
 * names (`notification/v1`, `manual/v1`).
 */
export interface AsyncEvent<F extends string = string> {
  [ASYNC_EVENT_MARKER]: F;
  /** JSON of the payload (`fn`, `iat` and the format's own fields), signed byte for byte. */
  payload: string;
  /** base64url HMAC-SHA256 of `payload` under the derived key. */
  signature: string;
}

/** The event `lambdaAdapter` invokes its own function with for a webhook: a signed notification. */
export type AsyncNotificationEvent = AsyncEvent<typeof FORMAT>;

/** What every signed payload starts with. */
export interface SignedEnvelope {
  /** The function the event is meant for. */
  fn: string;
  /** Epoch seconds when it was signed. */
  iat: number;
}

interface SignedPayload extends SignedEnvelope {
  /**
   * Epoch milliseconds before which the sync must not start (a debounce window's closing sync).
   * Inside the signed payload, so nobody can move it; events without it run at once.
   */
  nbf?: number;
  /** The notification; withings owns what a valid one is. */
  n: WithingsNotificationJson;
}

/** True for anything that claims to be the adapter's async event (it may still be forged). */
export function isAsyncNotificationEvent(event: unknown): event is Record<string, unknown> {
  return typeof event === 'object' && event !== null && ASYNC_EVENT_MARKER in event;
}

const sign = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

/** Serialises and signs `body` (its `fn` and `iat` included) as an event of `format`. */
export function signEnvelope<F extends string, B extends SignedEnvelope>(
  format: F,
  body: B,
  key: Buffer,
): AsyncEvent<F> {
  const payload = JSON.stringify(body);
  return { [ASYNC_EVENT_MARKER]: format, payload, signature: sign(key, payload) } as AsyncEvent<F>;
}

/** How {@link openEnvelope} checks an event. */
export interface EnvelopeCheck {
  key: Buffer;
  /** This function's name; an event signed for another function is refused. */
  functionName: string | undefined;
  now: Date;
  /** Older events are refused (replays of a valid one only repeat an idempotent sync). */
  maxAgeSeconds: number;
}

/**
 * Authenticates an event of `format` and returns its parsed payload, whose `fn` and `iat` are
 * checked; the format's own fields are the caller's to check.
 *
 * @throws {@link AsyncEventRejectedError} `MALFORMED`, `BAD_SIGNATURE`, `EXPIRED` or `WRONG_FUNCTION`.
 */
export function openEnvelope(
  event: Record<string, unknown>,
  format: string,
  options: EnvelopeCheck,
): SignedEnvelope & Record<string, unknown> {
  const { payload, signature } = event;
  if (
    event[ASYNC_EVENT_MARKER] !== format ||
    typeof payload !== 'string' ||
    typeof signature !== 'string' ||
    payload.length > MAX_PAYLOAD_CHARS
  ) {
    throw new AsyncEventRejectedError('MALFORMED', `async event is not a ${format} event`);
  }
  const expected = Buffer.from(sign(options.key, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AsyncEventRejectedError('BAD_SIGNATURE', 'async event signature does not match');
  }
  let body: (SignedEnvelope & Record<string, unknown>) | undefined;
  try {
    body = JSON.parse(payload);
  } catch {
    body = undefined;
  }
  // A correct signature means we wrote it, but the shape is still checked before the engine sees it.
  if (typeof body !== 'object' || body === null || typeof body.fn !== 'string' || !epoch(body.iat))
    throw new AsyncEventRejectedError('MALFORMED', `async event payload is not a ${format} payload`);
  if (options.functionName !== undefined && body.fn !== options.functionName) {
    throw new AsyncEventRejectedError('WRONG_FUNCTION', 'async event was signed for another function');
  }
  const age = Math.floor(options.now.getTime() / 1000) - body.iat;
  if (age > options.maxAgeSeconds || age < -CLOCK_SKEW_SECONDS) {
    throw new AsyncEventRejectedError(
      'EXPIRED',
      `async event is ${age} s old (accepted: up to ${options.maxAgeSeconds} s)`,
    );
  }
  return body;
}

/** A verified async event: the notification, and when its sync may start. */
export interface VerifiedAsyncNotification {
  notification: WithingsNotification;
  /** The sync must not start before this instant; absent: at once. */
  notBefore?: Date;
}

/** Serialises and signs a notification for `functionName` (with `notBefore`: the window's closing sync). */
export function signAsyncNotification(
  notification: WithingsNotification,
  options: { key: Buffer; functionName: string; now: Date; notBefore?: Date },
): AsyncNotificationEvent {
  const notBefore = options.notBefore?.getTime();
  const body: SignedPayload = {
    fn: options.functionName,
    iat: Math.floor(options.now.getTime() / 1000),
    ...(notBefore === undefined || Number.isNaN(notBefore) ? {} : { nbf: notBefore }),
    n: notificationToJson(notification),
  };
  return signEnvelope(FORMAT, body, options.key);
}

/**
 * Authenticates a `notification/v1` event ({@link openEnvelope}) and returns its notification and
 * `notBefore`.
 *
 * @throws {@link AsyncEventRejectedError} `MALFORMED`, `BAD_SIGNATURE`, `EXPIRED` or `WRONG_FUNCTION`.
 */
export function verifyAsyncNotification(
  event: Record<string, unknown>,
  options: EnvelopeCheck,
): VerifiedAsyncNotification {
  const { nbf, n } = openEnvelope(event, FORMAT, options);
  if (nbf !== undefined && !epochMs(nbf)) {
    throw new AsyncEventRejectedError('MALFORMED', 'async event notBefore is not epoch milliseconds');
  }
  const notification = readNotification(n);
  return nbf === undefined ? { notification } : { notification, notBefore: new Date(nbf as number) };
}

const epoch = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) < 2 ** 32;
const epochMs = (v: unknown) =>
  Number.isSafeInteger(v) && (v as number) > 0 && (v as number) < 2 ** 32 * 1000;

/** The notification a verified payload carries, refused as `MALFORMED` if withings would not take it. */
function readNotification(record: unknown): WithingsNotification {
  let notification: ReturnType<typeof notificationFromJson>;
  try {
    notification = notificationFromJson(record);
  } catch (error) {
    if (!(error instanceof WithingsNotificationError)) throw error;
    throw new AsyncEventRejectedError(
      'MALFORMED',
      `async event payload is not a notification: ${error.message}`,
    );
  }
  // v1 only ever carries a window: the handler gives a windowless unlink its receipt time.
  if (!notification.startDate) {
    throw new AsyncEventRejectedError('MALFORMED', 'async event notification has no data window');
  }
  return notification;
}
