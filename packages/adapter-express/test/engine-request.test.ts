import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { HandlerContext } from '@wg-sync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHttpHandler } from '../src/node-http/index.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(listener: RequestListener): Promise<number> {
  const server = createServer(listener);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Sends `head` (and `body`) on a raw connection and returns every byte of the answer, Date removed. */
function exchange(port: number, head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${head}\r\n\r\n${body}`));
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/\r\nDate: [^\r]*/i, ''),
      ),
    );
  });
}

describe('nodeHttpHandler: the Request the engine gets', { timeout: 20_000 }, () => {
  /** What the general conversion gives: every raw header, cookies joined, the body described whole. */
  function expectedHeaders(req: IncomingMessage, bodyLength: number): [string, string][] {
    const headers = new Headers();
    const cookies: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const [name, value] = [req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string];
      if (name.toLowerCase() === 'cookie') cookies.push(value);
      else headers.append(name, value);
    }
    if (cookies.length > 0) headers.set('cookie', cookies.join('; '));
    headers.delete('transfer-encoding');
    headers.set('content-length', String(bodyLength));
    return [...headers];
  }

  it('has every header once, the body whole, and the caller looked up only when asked', async () => {
    const seen: Array<{ headers: [string, string][]; expected: [string, string][]; body: string }> = [];
    const addresses: Array<string | undefined> = [];
    let current: IncomingMessage | undefined;
    const handler = nodeHttpHandler(
      {
        handler: async (request: Request, ctx?: HandlerContext) => {
          const body = await request.text();
          seen.push({
            headers: [...request.headers],
            expected: expectedHeaders(current as IncomingMessage, Buffer.byteLength(body)),
            body,
          });
          addresses.push(ctx?.clientAddress);
          return new Response('ok');
        },
      },
      { trustProxy: true },
    );
    const port = await serve((req, res) => {
      current = req;
      void handler(req, res);
    });
    const chunked =
      'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nCookie: a=1\r\nX-Many: 1\r\n' +
      'cookie: b=2\r\nX-Many: 2\r\nX-Forwarded-For: 10.0.0.9, 10.0.0.7\r\nConnection: close';
    await exchange(port, chunked, '3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n');
    await exchange(port, 'POST /y HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close', 'hello');
    expect(seen.map((s) => s.body)).toEqual(['abcdefg', 'hello']);
    for (const { headers, expected } of seen) expect(headers).toEqual(expected);
    expect(seen[0]?.headers).toContainEqual(['cookie', 'a=1; b=2']);
    expect(addresses).toEqual(['10.0.0.7', '127.0.0.1']);
  });

  it("hands core's own handler a light Request that is a Request in every respect; others get a real one", async () => {
    const seen: Array<{
      kind: string;
      light: boolean;
      method: string;
      url: string;
      type: string | null;
      body: string;
      copy: string;
    }> = [];
    const look = async (kind: string, request: Request) => {
      const copy = request.clone();
      seen.push({
        kind,
        light: Object.getPrototypeOf(request) !== Request.prototype,
        method: request.method,
        url: request.url,
        type: request.headers.get('content-type'),
        body: await request.text(),
        copy: await copy.text(),
      });
      expect(request).toBeInstanceOf(Request);
      expect(request.bodyUsed).toBe(true);
      return new Response('ok');
    };
    // What core's createHandler marks its handler with (see packages/core/src/http/handler.ts).
    const core = Object.assign((request: Request) => look('core', request), {
      [Symbol.for('wg-sync.handler.takes-adapter-requests')]: true,
    });
    // A wrapper may copy the request the standard way, which only a real Request survives.
    const wrapped = (request: Request) => look('wrapped', new Request(request, { method: 'POST' }));
    for (const handler of [core, wrapped]) {
      const node = nodeHttpHandler({ handler });
      const port = await serve((req, res) => void node(req, res));
      await exchange(
        port,
        'POST /webhook/withings?x=1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\nConnection: close',
        'userid=1',
      );
    }
    expect(seen).toEqual(
      ['core', 'wrapped'].map((kind) => ({
        kind,
        light: kind === 'core',
        method: 'POST',
        url: 'http://h/webhook/withings?x=1',
        type: 'application/x-www-form-urlencoded',
        body: 'userid=1',
        copy: 'userid=1',
      })),
    );
  });
});
