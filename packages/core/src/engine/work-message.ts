import { notificationFromJson, notificationToJson } from '@wg-sync/withings/notification';
import { SyncError } from '../errors.js';

/**
 * One unit of per-account work as it travels through a queue: JSON with `v: 1`, written by
 * {@link workMessageToJson} and read by {@link parseWorkMessage}.
 *
 * - `webhook`: the sync a Withings notification asked for, once the webhook has recorded it and its
 *   debounce turn came (`notification` is `notificationToJson` of `@wg-sync/withings`);
 * - `reconcile`: one account's part of the scheduled pass (subscription check, catch-up sync, alerts);
 * - `manual`: a person's `POST /sync/manual` for one account, looking `days` back (default 7).
 *
 * This is a stored format (a message may wait in a queue across a deploy): keys may be added, never
 * renamed or retyped, and `v` changes only with a reader for the old shape.
 */
export type WorkMessage =
  | { v: 1; kind: 'webhook'; userId: string; notification: Record<string, unknown> }
  | { v: 1; kind: 'reconcile'; userId: string }
  | { v: 1; kind: 'manual'; userId: string; days?: number };

/** The kinds of {@link WorkMessage}, most urgent first (a person waits for the first two). */
export const WORK_KINDS = ['webhook', 'manual', 'reconcile'] as const satisfies ReadonlyArray<
  WorkMessage['kind']
>;

/** The longest message text read (SQS's limit is 256 KiB; a real message is about 200 bytes). */
export const MAX_WORK_MESSAGE_BYTES = 16_384;

/** What is not a {@link WorkMessage}: thrown by {@link parseWorkMessage} and {@link workMessageToJson}. */
export class WorkMessageError extends SyncError {
  readonly code = 'INVALID_WORK_MESSAGE' as const;
  /** The offending key, when one is to blame. */
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(`not a work message: ${message}`);
    this.field = field;
  }
}

/** A user id that is also a plain state-key segment (`account/<userId>`). */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@:=-]{0,127}$/;

/**
 * The message as JSON text, for a queue. Strict: what it writes, {@link parseWorkMessage} reads.
 * @throws {@link WorkMessageError} for a message that is not one (it is never sent).
 *
 * @example
 * ```ts
 * const text = workMessageToJson({ v: 1, kind: 'reconcile', userId: '12345' });
 * // '{"v":1,"kind":"reconcile","userId":"12345"}'
 * ```
 */
export function workMessageToJson(message: WorkMessage): string {
  return JSON.stringify(checked(message));
}

/**
 * Reads a message {@link workMessageToJson} wrote. Tolerant of what a later version may add (unknown
 * keys are dropped), strict about what it needs: `v: 1`, a known `kind`, a `userId` that is a
 * plain key segment, a `notification` record that `notificationFromJson` of `@wg-sync/withings`
 * accepts and that names the same user, `days` from 1 to 3650.
 * @throws {@link WorkMessageError} (code `INVALID_WORK_MESSAGE`) for anything that is not one; it
 * never throws another error.
 *
 * @example
 * ```ts
 * try {
 *   const message = parseWorkMessage(record.body);
 *   console.log(message.kind, message.userId);
 * } catch (error) {
 *   if (error instanceof WorkMessageError) console.error(error.code, error.field); // a poison message
 * }
 * ```
 */
export function parseWorkMessage(text: string): WorkMessage {
  if (typeof text !== 'string') throw new WorkMessageError('the message must be text');
  if (text.length > MAX_WORK_MESSAGE_BYTES)
    throw new WorkMessageError(`longer than ${MAX_WORK_MESSAGE_BYTES} characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WorkMessageError('the text is not JSON');
  }
  return checked(value);
}

/** `value` as a clean {@link WorkMessage} (unknown keys dropped), or a {@link WorkMessageError}. */
function checked(value: unknown): WorkMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WorkMessageError('it must be a JSON object');
  const record = value as Record<string, unknown>;
  if (record.v !== 1)
    throw new WorkMessageError(`version ${JSON.stringify(record.v) ?? 'missing'} is not 1`, 'v');
  const { kind, userId } = record;
  if (typeof userId !== 'string' || !USER_ID.test(userId))
    throw new WorkMessageError('userId must be a user id (a plain key segment)', 'userId');
  switch (kind) {
    case 'reconcile':
      return { v: 1, kind, userId };
    case 'manual':
      return { v: 1, kind, userId, ...checkedDays(record.days) };
    case 'webhook':
      return { v: 1, kind, userId, notification: checkedNotification(record.notification, userId) };
    default:
      throw new WorkMessageError(
        `kind ${JSON.stringify(kind) ?? 'missing'} is none of webhook, reconcile, manual`,
        'kind',
      );
  }
}

function checkedDays(days: unknown): { days?: number } {
  if (days === undefined) return {};
  if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0 || days > 3650)
    throw new WorkMessageError('days must be a number from 1 to 3650', 'days');
  return { days };
}

function checkedNotification(record: unknown, userId: string): Record<string, unknown> {
  let notification: ReturnType<typeof notificationFromJson>;
  try {
    notification = notificationFromJson(record);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new WorkMessageError(`notification: ${reason}`, 'notification');
  }
  if (notification.userId !== userId)
    throw new WorkMessageError('notification.userId is not the message userId', 'notification');
  return { ...notificationToJson(notification) };
}
