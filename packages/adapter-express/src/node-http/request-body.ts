import type { IncomingMessage } from 'node:http';
import { SyncError } from '@wg-sync/core';
import { PayloadTooLargeError } from './payload-too-large-error.js';

const encoder = new TextEncoder();

/**
 * The body of `req` for a Web `Request`: the bytes a body parser (`express.urlencoded()`, `json()`,
 * `text()`, `raw()`…) already read, re-encoded, when the stream has been drained; otherwise a stream
 * over the unread body that fails with {@link PayloadTooLargeError} past `limit` bytes.
 */
export function requestBody(
  req: IncomingMessage,
  limit: number,
  onTooLarge: () => void,
): Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>> {
  if (!alreadyRead(req)) return streamBody(req, limit, onTooLarge);
  // Reading a drained stream would wait forever; what the parser left is all there is.
  const bytes = reencode(req);
  if (bytes.byteLength > limit) {
    onTooLarge();
    throw new PayloadTooLargeError(limit);
  }
  return bytes;
}

/** Whether a body parser (or anything else) has already drained `req`. */
export function alreadyRead(req: IncomingMessage): boolean {
  return req.readableEnded || req.readableDidRead || (req.complete && !req.readable);
}

function reencode(req: IncomingMessage): Uint8Array<ArrayBuffer> {
  const { body } = req as IncomingMessage & { body?: unknown };
  if (body === undefined) return new Uint8Array(0);
  if (typeof body === 'string') return encoder.encode(body);
  // A copy: the parser's Buffer may be a view into a larger, pooled ArrayBuffer.
  if (body instanceof Uint8Array) return new Uint8Array(body);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' && body !== null && typeof body === 'object') {
    return encoder.encode(formEncode(body));
  }
  return encoder.encode(JSON.stringify(body) ?? '');
}

/** Flat fields as `a=1&b=2`, repeated keys for arrays, `a[b]=c` for what `qs` (extended: true) nested. */
function formEncode(fields: object): string {
  const params = new URLSearchParams();
  const add = (key: string, value: unknown): void => {
    if (value === undefined) return;
    if (Array.isArray(value)) for (const item of value) add(key, item);
    else if (value !== null && typeof value === 'object') {
      for (const [inner, item] of Object.entries(value)) add(`${key}[${inner}]`, item);
    } else params.append(key, value === null ? '' : String(value));
  };
  for (const [key, value] of Object.entries(fields)) add(key, value);
  return params.toString();
}

function streamBody(
  req: IncomingMessage,
  limit: number,
  onTooLarge: () => void,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let detach = (): void => {};
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      detach = listenToBody(req, limit, {
        chunk(bytes) {
          controller.enqueue(bytes);
          // Backpressure: nothing is buffered beyond what the reader asked for.
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        },
        end: () => controller.close(),
        fail(error) {
          if (error instanceof PayloadTooLargeError) onTooLarge();
          controller.error(error);
        },
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      detach();
      discard(req);
    },
  });
}

/** What {@link listenToBody} tells about a body. */
interface BodyListener {
  /** The next bytes, within the limit. */
  chunk(bytes: Uint8Array<ArrayBuffer>): void;
  end(): void;
  /**
   * A {@link PayloadTooLargeError} (the rest of the body is discarded) or a {@link ClientClosedError}
   * (the connection closed or failed first). Nothing more is heard after `end` or `fail`.
   */
  fail(error: Error): void;
}

/** Listens to the body of `req`, counting its bytes against `limit`; returns how to stop listening. */
function listenToBody(req: IncomingMessage, limit: number, listener: BodyListener): () => void {
  let size = 0;
  const onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.byteLength;
    if (size > limit) {
      detach();
      discard(req);
      listener.fail(new PayloadTooLargeError(limit));
      return;
    }
    // Socket chunks are never backed by a SharedArrayBuffer.
    listener.chunk(new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength));
  };
  const onEnd = () => {
    detach();
    listener.end();
  };
  const onError = (error: Error) => {
    detach();
    // An error of a request being read is its connection failing (Node's 'aborted', ECONNRESET).
    listener.fail(new ClientClosedError({ cause: error }));
  };
  const onClose = () => {
    if (req.readableEnded) return;
    detach();
    listener.fail(new ClientClosedError());
  };
  const detach = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
  req.on('close', onClose);
  return detach;
}

/**
 * Lets the rest of an unwanted body flow into nowhere: Node does not dump a request that was partly
 * read, and a paused one would stall the keep-alive connection behind it.
 */
function discard(req: IncomingMessage): void {
  req.on('error', () => undefined);
  req.resume();
}

/** The client closed the connection before its request body was complete: there is no one to answer. */
export class ClientClosedError extends SyncError {
  readonly code = 'CLIENT_CLOSED' as const;

  constructor(options?: ErrorOptions) {
    super('the client closed the connection before the body was complete', options);
  }
}

/**
 * The whole body of `req`, read before the handler runs (bodies are small here: `limit` is 16 KiB by
 * default). One buffer instead of a Web stream fed by Node's: a webhook's body is one TCP segment,
 * and a `ReadableStream` per request is a large share of what an ignored webhook costs.
 *
 * @throws {@link PayloadTooLargeError} as soon as more than `limit` bytes arrived (the rest is discarded).
 * @throws {@link ClientClosedError} when the connection closed before the body ended.
 */
export function readWholeBody(req: IncomingMessage, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  if (alreadyRead(req)) {
    const bytes = reencode(req);
    return bytes.byteLength > limit
      ? Promise.reject(new PayloadTooLargeError(limit))
      : Promise.resolve(bytes);
  }
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    listenToBody(req, limit, {
      chunk: (bytes) => chunks.push(bytes),
      end: () => resolve(chunks.length === 1 ? (chunks[0] as Uint8Array<ArrayBuffer>) : concat(chunks)),
      fail: reject,
    });
  });
}

function concat(chunks: Uint8Array<ArrayBuffer>[]): Uint8Array<ArrayBuffer> {
  const whole = Buffer.concat(chunks);
  return new Uint8Array(whole.buffer as ArrayBuffer, whole.byteOffset, whole.byteLength);
}
