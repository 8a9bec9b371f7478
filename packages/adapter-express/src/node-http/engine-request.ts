// The request handed to the engine. A Web `Request` with a body builds a byte stream for it on
// construction, a large share of an acknowledgement's cost in a burst, while the engine reads only
// the method, the URL and a few headers (and the bytes from `HandlerContext.body`). As Hono's Node
// server does, this one answers those directly and builds the real `Request` only when anything else
// is asked of it (its body, `clone()`, its signal …), so it is a `Request` to whoever holds it.

const REAL = Symbol('wg-sync.engine-request.real');
const PARTS = Symbol('wg-sync.engine-request.parts');

interface Parts {
  [PARTS]: { method: string; url: string; headers: Headers; body: Uint8Array<ArrayBuffer> | undefined };
  [REAL]?: Request;
}

function real(self: Parts): Request {
  const { method, url, headers, body } = self[PARTS];
  self[REAL] ??= new Request(url, { method, headers, ...(body ? { body } : {}) });
  return self[REAL];
}

const EngineRequest = function (
  this: Parts,
  method: string,
  url: string,
  headers: Headers,
  body?: Uint8Array<ArrayBuffer>,
) {
  this[PARTS] = { method, url, headers, body };
} as unknown as new (
  method: string,
  url: string,
  headers: Headers,
  body?: Uint8Array<ArrayBuffer>,
) => Request;

// Method, URL and headers come from the parts; every other member goes to the real request (whose
// `body` is a stream made from the bytes).
Object.setPrototypeOf(EngineRequest.prototype, Request.prototype);
for (const name of ['method', 'url', 'headers'] as const) {
  Object.defineProperty(EngineRequest.prototype, name, {
    get(this: Parts) {
      return this[PARTS][name];
    },
  });
}
for (const name of Object.getOwnPropertyNames(Request.prototype)) {
  if (name === 'constructor' || name === 'method' || name === 'url' || name === 'headers') continue;
  const descriptor = Object.getOwnPropertyDescriptor(Request.prototype, name);
  if (descriptor?.get) {
    Object.defineProperty(EngineRequest.prototype, name, {
      get(this: Parts) {
        return Reflect.get(real(this), name);
      },
    });
  } else if (typeof descriptor?.value === 'function') {
    Object.defineProperty(EngineRequest.prototype, name, {
      value(this: Parts, ...args: unknown[]) {
        const request = real(this);
        return (Reflect.get(request, name) as (...a: unknown[]) => unknown).apply(request, args);
      },
    });
  }
}

/**
 * A `Request` for the engine, cheap to build: method, URL and headers are plain fields; the real
 * request (with `body` as its body) is made only if something asks for more.
 */
export function engineRequestOf(
  method: string,
  url: string,
  headers: Headers,
  body?: Uint8Array<ArrayBuffer>,
): Request {
  return new EngineRequest(method, url, headers, body);
}
