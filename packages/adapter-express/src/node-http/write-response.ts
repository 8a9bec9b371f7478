import type { ServerResponse } from 'node:http';

/**
 * Writes a Web `Response` to a Node `ServerResponse`: status, every header (each `Set-Cookie`
 * separately), and the body streamed with backpressure. A HEAD request gets no body (its stream is
 * cancelled, not read). If the client goes away, the body stream is cancelled; if the body stream fails after the
 * headers went out, the connection is destroyed so the client cannot take a cut-off body for a
 * whole one, and the error is rethrown.
 *
 * @example
 * ```ts
 * await writeResponse(new Response('ok', { headers: { 'content-type': 'text/plain' } }), res);
 * ```
 */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);

  if (!response.body || res.req?.method === 'HEAD') {
    await response.body?.cancel().catch(() => undefined);
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const onClose = () => void reader.cancel().catch(() => undefined);
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      if (!res.write(value)) await drained(res);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    res.destroy();
    throw error;
  } finally {
    res.off('close', onClose);
  }
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
