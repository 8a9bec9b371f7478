import { SyncError } from '@wg-sync/core';

/** Every `code` a {@link LambdaAdapterError} can carry. */
export type LambdaAdapterErrorCode =
  | 'UNKNOWN_EVENT'
  | 'ASYNC_EVENT_REJECTED'
  | 'SELF_INVOKE_FAILED'
  | 'INVALID_OPTIONS'
  | 'SECRET_UNAVAILABLE'
  | 'SECRET_INVALID'
  | 'RECONCILE_FAILED'
  | 'QUEUE_SEND_FAILED';

/**
 * Base class of every error `@wg-sync/adapter-lambda` throws; `code` says what went wrong. It extends
 * core's `SyncError`, so one `instanceof SyncError` check covers the whole wg-sync family. Messages
 * never contain secret values.
 */
export class LambdaAdapterError extends SyncError {
  /** What went wrong, for programs: one of {@link LambdaAdapterErrorCode}. */
  readonly code: LambdaAdapterErrorCode;

  constructor(code: LambdaAdapterErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** What an event is, as JSON sees it (`typeof` says "object" for `null` and arrays). */
export type UnknownEventType =
  | 'object'
  | 'array'
  | 'null'
  | 'string'
  | 'number'
  | 'boolean'
  | 'undefined'
  | 'other';

const DESCRIBED: Record<UnknownEventType, string> = {
  object: 'an object',
  array: 'an array',
  null: 'null',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  undefined: 'undefined',
  other: 'no JSON value',
};

/** The event is none of the shapes the adapter handles (API Gateway v1/v2, Function URL, schedule, its own async event). */
export class UnknownEventError extends LambdaAdapterError {
  /** The event's top-level keys (names only, never values), to tell which trigger sent it; empty unless it is an object. */
  readonly keys: string[];
  /** What the event is: an `object` (then see `keys`), or `null`, an `array`, a `string`… */
  readonly eventType: UnknownEventType;

  constructor(keys: string[], eventType: UnknownEventType = 'object') {
    const what =
      eventType === 'object'
        ? `top-level keys: ${keys.join(', ') || 'none'}`
        : `the event is ${DESCRIBED[eventType]}, not an object`;
    super(
      'UNKNOWN_EVENT',
      `lambdaAdapter cannot handle this event (${what}); it handles API Gateway REST (v1) and HTTP API (v2) proxy events, Function URL events, EventBridge "Scheduled Event"s and its own signed async notifications`,
    );
    this.keys = eventType === 'object' ? keys : [];
    this.eventType = eventType;
  }
}

/** Why an asynchronous self-invocation was refused. */
export type AsyncRejectionReason = 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED' | 'WRONG_FUNCTION';

/** An event claiming to be the adapter's own async notification failed authentication; nothing was synced. */
export class AsyncEventRejectedError extends LambdaAdapterError {
  /** Which check failed. */
  readonly reason: AsyncRejectionReason;

  constructor(reason: AsyncRejectionReason, message: string) {
    super('ASYNC_EVENT_REJECTED', message);
    this.reason = reason;
  }
}

/** Reading the credentials secret failed (`SECRET_UNAVAILABLE`) or its content is unusable (`SECRET_INVALID`). */
export class SecretsManagerError extends LambdaAdapterError {
  /** The secret's name or ARN (an identifier, not a secret value). */
  readonly secretId: string;

  constructor(
    code: 'SECRET_UNAVAILABLE' | 'SECRET_INVALID',
    secretId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.secretId = secretId;
  }
}
