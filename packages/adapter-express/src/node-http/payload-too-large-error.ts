import { SyncError } from '@wg-sync/core';

/**
 * A request body is larger than the adapter's `maxBodySize`. Thrown by
 * {@link incomingMessageToRequest} when `Content-Length` already says so (nothing is read), or raised
 * by the request's body stream as soon as the bytes read pass the limit; the handlers answer 413.
 */
export class PayloadTooLargeError extends SyncError {
  /** Same code as the handler's own 413 answer, so clients see one code for both limits. */
  readonly code = 'BODY_TOO_LARGE' as const;
  /** The limit that was passed, in bytes. */
  readonly limit: number;

  /** @param limit - The limit in bytes. */
  constructor(limit: number) {
    super(`request bodies are at most ${limit} bytes`);
    this.limit = limit;
  }
}
