import type { ServerResponse } from 'node:http';
import { type WholeResponseParts, wholeResponseParts } from '@wg-sync/core';

const WAITING = Symbol('waiting');
const WHOLE_BODY_MICROTASKS = 8;

/**
 * Writes a Web `Response` to a Node `ServerResponse`: status, every header (each `Set-Cookie`
 * separately), and the body streamed with backpressure. A body that is whole at once (every engine
 * answer) goes out with a `Content-Length` in one write with its headers; a body still being produced
 * is streamed chunk by chunk as it comes. A HEAD request gets no body (its stream is cancelled, not
 * read) and no `Content-Length` unless the response carries one. If the client goes away, the body
 * stream is cancelled; if the body stream fails after the headers went out, the connection is
 * destroyed so the client cannot take a cut-off body for a whole one, and the error is rethrown.
 *
 * @example
 * ```ts
 * await writeResponse(new Response('ok', { headers: { 'content-type': 'text/plain' } }), res);
 * ```
 */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const whole = wholeResponseParts(response);
  if (whole) return writeWhole(whole, res);
  const head = headerList(response.headers);
  if (res.req?.method === 'HEAD') {
    await response.body?.cancel().catch(() => undefined);
    // The length a GET would have is not known here, and a HEAD may leave it out but must not
    // announce another one (RFC 9110 §8.6): so no `Content-Length: 0`. Node frames no body for HEAD.
    writeHead(res, response, head);
    res.end();
    return;
  }
  if (!response.body) {
    writeHead(res, response, withLength(head, response.status, 0));
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const onClose = () => void reader.cancel().catch(() => undefined);
  res.once('close', onClose);
  try {
    const first = await reader.read();
    if (first.done) {
      writeHead(res, response, withLength(head, response.status, 0));
      if (!res.destroyed) res.end();
      return;
    }
    // One more read tells a whole body from a stream: a string or bytes body has ended a couple of
    // microtasks later. A stream that has nothing yet must not hold back its first chunk, so only a
    // moment is waited, and no timer or immediate for it: one per answer was a visible share of an
    // acknowledgement's cost in a burst. Losing the race only means chunked framing, never a wrong body.
    const next = reader.read();
    const second = await Promise.race([next, afterMicrotasks(WHOLE_BODY_MICROTASKS)]);
    if (second !== WAITING && second.done) {
      writeHead(res, response, withLength(head, response.status, first.value.byteLength));
      if (!res.destroyed) res.end(first.value);
      return;
    }
    writeHead(res, response, head);
    if (res.destroyed) return;
    if (!res.write(first.value)) await drained(res);
    let chunk = second === WAITING ? await next : second;
    while (!chunk.done && !res.destroyed) {
      if (!res.write(chunk.value)) await drained(res);
      chunk = await reader.read();
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    res.destroy();
    throw error;
  } finally {
    res.off('close', onClose);
  }
}

/**
 * An answer core built whole (see `wholeResponseParts`): its text goes out with its headers in one
 * write, and no Web body is ever made or read.
 */
function writeWhole(whole: WholeResponseParts, res: ServerResponse): void {
  const head =
    whole.headers instanceof Headers ? headerList(whole.headers) : Object.entries(whole.headers).flat();
  const bodyless = res.req?.method === 'HEAD';
  if (res.headersSent || res.destroyed) return;
  // Core's answers carry no reason phrase: Node's own one for the status goes out.
  res.writeHead(
    whole.status,
    bodyless ? head : withLength(head, whole.status, Buffer.byteLength(whole.body)),
  );
  if (bodyless) res.end();
  else res.end(whole.body);
}

/** Name/value pairs in one flat list, as `writeHead` takes them: repeated names stay separate. */
function headerList(headers: Headers): string[] {
  const head: string[] = [];
  for (const [name, value] of headers) {
    if (name !== 'set-cookie') head.push(name, value);
  }
  for (const cookie of headers.getSetCookie()) head.push('set-cookie', cookie);
  return head;
}

/**
 * `head` with a Content-Length for a body of `length` bytes, unless it has one or the status has no
 * body (1xx, 204, 304). Without it Node would announce a chunked body even for an empty one.
 */
function withLength(head: string[], status: number, length: number): string[] {
  if (status < 200 || status === 204 || status === 304) return head;
  for (let i = 0; i < head.length; i += 2) if (head[i] === 'content-length') return head;
  head.push('content-length', String(length));
  return head;
}

/** One `writeHead` call: status, reason and headers stored at once (each store on an Express response is slow). */
function writeHead(res: ServerResponse, response: Response, head: string[]): void {
  if (res.headersSent || res.destroyed) return;
  if (response.statusText) res.writeHead(response.status, response.statusText, head);
  else res.writeHead(response.status, head);
}

/**
 * Resolves with {@link WAITING} after `hops` turns of the microtask queue: Node's Response bodies made
 * from a string or bytes close two turns after their one chunk was read, so eight leave a margin.
 */
async function afterMicrotasks(hops: number): Promise<typeof WAITING> {
  for (let hop = 0; hop < hops; hop += 1) await undefined;
  return WAITING;
}

/** Resolves on 'drain', or on 'close' when the client left and 'drain' will never come. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
