import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Every `code` a {@link RuntimeApiEmulatorError} can carry. */
export type RuntimeApiEmulatorErrorCode = 'INVOCATION_TIMED_OUT' | 'EMULATOR_CLOSED' | 'NO_SELF_INVOCATION';

/** An invocation got no answer in time, or the emulator closed while something waited on it. */
export class RuntimeApiEmulatorError extends Error {
  /** What went wrong. */
  readonly code: RuntimeApiEmulatorErrorCode;

  constructor(code: RuntimeApiEmulatorErrorCode, message: string) {
    super(message);
    this.name = 'RuntimeApiEmulatorError';
    this.code = code;
  }
}

/** The body a runtime posts to `…/error` and `…/init/error` (read tolerantly: see {@link readErrorBody}). */
export interface RuntimeErrorBody {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
  /** The `Lambda-Runtime-Function-Error-Type` header, when the runtime sent one. */
  errorTypeHeader?: string;
}

/** How one invocation ended: the function's result, or its error. */
export type InvocationOutcome =
  | { kind: 'response'; requestId: string /** The raw body the runtime posted. */; body: string }
  | { kind: 'error'; requestId: string; error: RuntimeErrorBody };

/** Per-invocation settings; the defaults look like a real invocation of `wg-sync-sync`. */
export interface InvocationOptions {
  requestId?: string;
  /** How long the invocation may take, from being queued to being answered (default 30 s). */
  timeoutMs?: number;
  /** `Lambda-Runtime-Invoked-Function-Arn` (default: the emulator's `functionArn`). */
  functionArn?: string;
  /** `Lambda-Runtime-Trace-Id` (default: a fresh X-Ray header). */
  traceId?: string;
}

/** A queued invocation: its id, and a promise of its outcome (rejects once `timeoutMs` has passed). */
export interface Invocation {
  requestId: string;
  event: unknown;
  outcome: Promise<InvocationOutcome>;
}

/** An event the function queued on itself through Lambda's Invoke API (`InvocationType: Event`). */
export interface SelfInvocation {
  /** The `FunctionName` path parameter as sent (a name or an ARN, URL-decoded). */
  functionName: string;
  /** The caller's `User-Agent` (the AWS SDK's names its version and the Node it runs on). */
  userAgent: string;
  /** The same event, queued on the runtime like Lambda's async queue would. */
  invocation: Invocation;
}

/** Options of {@link startRuntimeApiEmulator}. */
export interface RuntimeApiEmulatorOptions {
  /** The function's ARN, sent with every invocation (default `arn:aws:lambda:eu-west-1:123456789012:function:wg-sync-sync`). */
  functionArn?: string;
  /** Default {@link InvocationOptions.timeoutMs}. */
  timeoutMs?: number;
}

/** A running emulator; see {@link startRuntimeApiEmulator}. */
export interface RuntimeApiEmulator {
  /** `127.0.0.1:<port>`: the value of `AWS_LAMBDA_RUNTIME_API`. */
  readonly runtimeApi: string;
  /** `http://127.0.0.1:<port>`: the value of `AWS_ENDPOINT_URL_LAMBDA`, for the function's self-invocations. */
  readonly lambdaEndpoint: string;
  /** Queues an event; the runtime gets it from its next `GET …/invocation/next`. */
  enqueue(event: unknown, options?: InvocationOptions): Invocation;
  /** Queues an event and waits for its outcome. */
  invoke(event: unknown, options?: InvocationOptions): Promise<InvocationOutcome>;
  /** The next self-invocation the function makes (rejects after `timeoutMs`, default 10 s). */
  nextSelfInvocation(timeoutMs?: number): Promise<SelfInvocation>;
  /** Resolves with the first `POST …/init/error` the runtime sends. */
  readonly initError: Promise<RuntimeErrorBody>;
  /** Requests the emulator answered, as `METHOD path status`, oldest first (for failure messages). */
  readonly log: readonly string[];
  /** Stops listening; whatever still waits is rejected with `EMULATOR_CLOSED`. */
  close(): Promise<void>;
}

const PREFIX = '/2018-06-01/runtime';
/** Lambda's limit for a synchronous response or error body. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Lambda's limit for an asynchronous invocation's event. */
const MAX_ASYNC_EVENT_BYTES = 256 * 1024;

interface Pending {
  invocation: Invocation;
  body: string;
  deadlineMs: number;
  functionArn: string;
  traceId: string;
  settle(outcome: InvocationOutcome): void;
  fail(error: Error): void;
}

/**
 * The Lambda Runtime API (version 2018-06-01) on 127.0.0.1, as AWS documents it: `GET
 * /runtime/invocation/next` long-polls for the next event and answers it with the
 * `Lambda-Runtime-Aws-Request-Id`, `-Deadline-Ms`, `-Invoked-Function-Arn` and `-Trace-Id` headers;
 * `POST /runtime/invocation/{id}/response` and `/{id}/error` settle that invocation;
 * `POST /runtime/init/error` reports a failed start. One invocation runs at a time, in queue order,
 * as in a Lambda execution environment.
 *
 * It also answers the one Lambda API call the adapter makes, `Invoke` with `InvocationType: Event`
 * on itself (`POST /2015-03-31/functions/{name}/invocations`), by putting the event on the same
 * queue: a webhook's queued sync then runs through the runtime like it would in AWS.
 */
export async function startRuntimeApiEmulator(
  options: RuntimeApiEmulatorOptions = {},
): Promise<RuntimeApiEmulator> {
  const defaultArn = options.functionArn ?? 'arn:aws:lambda:eu-west-1:123456789012:function:wg-sync-sync';
  const defaultTimeoutMs = options.timeoutMs ?? 30_000;
  const queue: Pending[] = [];
  const waiters: ServerResponse[] = [];
  const inFlight = new Map<string, Pending>();
  const all = new Set<Pending>();
  const selfInvocations: SelfInvocation[] = [];
  const selfWaiters: Array<(value: SelfInvocation) => void> = [];
  const log: string[] = [];
  let closed = false;
  let reportInitError: (body: RuntimeErrorBody) => void = () => undefined;
  const initError = new Promise<RuntimeErrorBody>((resolve) => {
    reportInitError = resolve;
  });

  /** Hands queued events to waiting `next` calls, skipping callers that went away meanwhile. */
  const dispatch = () => {
    while (queue.length > 0 && waiters.length > 0) {
      const res = waiters.shift() as ServerResponse;
      if (res.destroyed || res.writableEnded) continue;
      const pending = queue.shift() as Pending;
      inFlight.set(pending.invocation.requestId, pending);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': pending.invocation.requestId,
        'lambda-runtime-deadline-ms': String(pending.deadlineMs),
        'lambda-runtime-invoked-function-arn': pending.functionArn,
        'lambda-runtime-trace-id': pending.traceId,
      };
      res.writeHead(200, headers).end(pending.body);
      log.push(`GET ${PREFIX}/invocation/next 200 ${pending.invocation.requestId}`);
    }
  };

  const enqueue = (event: unknown, invocationOptions: InvocationOptions = {}): Invocation => {
    if (closed) throw new RuntimeApiEmulatorError('EMULATOR_CLOSED', 'the emulator is closed');
    const requestId = invocationOptions.requestId ?? randomUUID();
    const timeoutMs = invocationOptions.timeoutMs ?? defaultTimeoutMs;
    let settle!: (outcome: InvocationOutcome) => void;
    let fail!: (error: Error) => void;
    const outcome = new Promise<InvocationOutcome>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    // Callers that only look at some outcomes must not get unhandled rejections for the others.
    outcome.catch(() => undefined);
    const invocation: Invocation = { requestId, event, outcome };
    const timer = setTimeout(() => {
      finish();
      fail(
        new RuntimeApiEmulatorError(
          'INVOCATION_TIMED_OUT',
          `invocation ${requestId} got no answer within ${timeoutMs} ms (requests so far: ${log.join('; ') || 'none'})`,
        ),
      );
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      inFlight.delete(requestId);
      all.delete(pending);
      const at = queue.indexOf(pending);
      if (at >= 0) queue.splice(at, 1);
    };
    const pending: Pending = {
      invocation,
      body: JSON.stringify(event),
      deadlineMs: Date.now() + timeoutMs,
      functionArn: invocationOptions.functionArn ?? defaultArn,
      traceId: invocationOptions.traceId ?? traceHeader(),
      settle: (value) => {
        finish();
        settle(value);
      },
      fail: (error) => {
        finish();
        fail(error);
      },
    };
    all.add(pending);
    queue.push(pending);
    dispatch();
    return invocation;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) answer(res, 500, { errorType: 'ServiceException', errorMessage: String(error) });
    });
  });
  // A long poll may wait longer than Node's default request timeout.
  server.requestTimeout = 0;

  const answer = (
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    log.push(`${res.req.method} ${res.req.url} ${status}`);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      waiters.push(res);
      dispatch();
      return;
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      answer(res, 413, { errorType: 'RequestEntityTooLarge', errorMessage: 'body over 6 MB' });
      return;
    }
    const settled = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && settled) {
      const requestId = decodeURIComponent(settled[1] as string);
      const pending = inFlight.get(requestId);
      if (!pending) {
        answer(res, 400, {
          errorType: 'InvalidRequestID',
          errorMessage: `no invocation ${requestId} in flight`,
        });
        return;
      }
      answer(res, 202, { status: 'OK' });
      pending.settle(
        settled[2] === 'response'
          ? { kind: 'response', requestId, body }
          : {
              kind: 'error',
              requestId,
              error: readErrorBody(body, header(req, 'lambda-runtime-function-error-type')),
            },
      );
      return;
    }
    if (req.method === 'POST' && path === `${PREFIX}/init/error`) {
      answer(res, 202, { status: 'OK' });
      reportInitError(readErrorBody(body, header(req, 'lambda-runtime-function-error-type')));
      return;
    }
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path);
    if (req.method === 'POST' && invoke) {
      selfInvoke(req, res, decodeURIComponent(invoke[1] as string), body);
      return;
    }
    answer(res, 404, { errorType: 'NotFound', errorMessage: `${req.method} ${path} is not part of the API` });
  }

  /** Lambda's async invoke: accept (202), then queue the event like Lambda's internal queue does. */
  function selfInvoke(req: IncomingMessage, res: ServerResponse, functionName: string, body: string) {
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    const requestHeaders = { 'x-amzn-requestid': randomUUID() };
    if (type !== 'Event') {
      answer(
        res,
        400,
        { Type: 'User', message: `this emulator queues Event invocations only, not ${type}` },
        requestHeaders,
      );
      return;
    }
    if (Buffer.byteLength(body) > MAX_ASYNC_EVENT_BYTES) {
      answer(res, 413, { Type: 'User', message: 'async event over 256 KB' }, requestHeaders);
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch {
      answer(res, 400, { Type: 'User', message: 'payload is not JSON' }, requestHeaders);
      return;
    }
    log.push(`POST ${req.url} 202`);
    res.writeHead(202, requestHeaders).end();
    const invocation = enqueue(event);
    const self: SelfInvocation = { functionName, userAgent: header(req, 'user-agent') ?? '', invocation };
    const waiter = selfWaiters.shift();
    if (waiter) waiter(self);
    else selfInvocations.push(self);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    runtimeApi: `127.0.0.1:${port}`,
    lambdaEndpoint: `http://127.0.0.1:${port}`,
    enqueue,
    invoke: (event, invocationOptions) => enqueue(event, invocationOptions).outcome,
    nextSelfInvocation(timeoutMs = 10_000) {
      const ready = selfInvocations.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise<SelfInvocation>((resolve, reject) => {
        const waiter = (value: SelfInvocation) => {
          clearTimeout(timer);
          resolve(value);
        };
        const timer = setTimeout(() => {
          selfWaiters.splice(selfWaiters.indexOf(waiter), 1);
          reject(
            new RuntimeApiEmulatorError(
              'NO_SELF_INVOCATION',
              `the function queued nothing on itself within ${timeoutMs} ms (requests so far: ${log.join('; ') || 'none'})`,
            ),
          );
        }, timeoutMs);
        selfWaiters.push(waiter);
      });
    },
    initError,
    log,
    async close() {
      closed = true;
      for (const pending of [...all])
        pending.fail(new RuntimeApiEmulatorError('EMULATOR_CLOSED', 'the emulator closed first'));
      for (const res of waiters.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The documented body is `{errorType, errorMessage, stackTrace}`; aws-lambda-ric 4 sends the trace as
 * `trace`, and a runtime may send something that is not JSON at all: every shape is kept readable.
 */
export function readErrorBody(body: string, errorTypeHeader: string | undefined): RuntimeErrorBody {
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    parsed = { errorMessage: body };
  }
  const trace = parsed.stackTrace ?? parsed.trace;
  return {
    errorType: typeof parsed.errorType === 'string' ? parsed.errorType : '',
    errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '',
    stackTrace: Array.isArray(trace) ? trace.map(String) : [],
    ...(errorTypeHeader === undefined ? {} : { errorTypeHeader }),
  };
}

/** An X-Ray trace header as Lambda passes it (`Root=1-<epoch hex>-<96 bits>;Parent=…;Sampled=0`). */
function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}
