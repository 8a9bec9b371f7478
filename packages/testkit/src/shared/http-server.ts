import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a simulator received, for tests that count calls or inspect what a client sent. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  /** Wall-clock receive time (not the simulated clock). */
  receivedAt: Date;
  /** Status the simulator answered with (filled in once answered). */
  status?: number;
}

/** A simulator's HTTP handler: a Web-standard `Request` in, `Response` out. */
export type SimHandler = (request: Request, recorded: RecordedRequest) => Response | Promise<Response>;

/** A running simulator server bound to 127.0.0.1. */
export interface SimHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  /** Every request received so far, oldest first. */
  readonly requests: RecordedRequest[];
  /** Delay added before every answer (ms); change it at any time. */
  latencyMs: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Starts a real HTTP server on 127.0.0.1 (port 0 by default) that hands each request to `handler`
 * as a Web `Request`. Only loopback is ever bound.
 */
export async function startHttpServer(
  handler: SimHandler,
  options: { port?: number; latencyMs?: number } = {},
) {
  const requests: RecordedRequest[] = [];
  const state = { latencyMs: options.latencyMs ?? 0 };

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: Object.fromEntries(headers),
      body: body.toString('utf8'),
      receivedAt: new Date(),
    };
    requests.push(recorded);
    const hasBody = recorded.method !== 'GET' && recorded.method !== 'HEAD';
    const request = new Request(url, { method: recorded.method, headers, body: hasBody ? body : undefined });
    if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs));
    const response = await handler(request, recorded);
    recorded.status = response.status;
    const outHeaders: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      if (name === 'set-cookie') return;
      outHeaders[name] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) outHeaders['set-cookie'] = cookies;
    res.writeHead(response.status, outHeaders);
    if (recorded.method === 'HEAD' || response.body === null) {
      res.end();
      return;
    }
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const running: SimHttpServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return running;
}

/** A JSON response (the simulators' most common answer). */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
  });
}
