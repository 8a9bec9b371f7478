// Every answer on the webhook path is a small JSON text known at once, yet a Web `Response` turns it
// into a byte stream on construction, and an adapter then reads that stream back: together the
// largest part of what answering a webhook costs the process (issue 16, profile of a 200-webhook
// burst). As Hono's Node server does, core's JSON answers are a `Response` that keeps its parts and
// builds the real one only when something asks for more than status and headers. Adapters that
// know this (`wholeResponseParts`) write the parts directly; every other caller sees a `Response`.

const PARTS = Symbol('wg-sync.whole-response.parts');
const REAL = Symbol('wg-sync.whole-response.real');

/** What {@link wholeResponseParts} hands an adapter: enough to write the answer without the Web body. */
export interface WholeResponseParts {
  status: number;
  /** The headers (a `Headers` once someone asked the response for them, a plain record before). */
  headers: Headers | Record<string, string>;
  /** The whole body, as text. */
  body: string;
}

interface Whole {
  [PARTS]?: WholeResponseParts;
  [REAL]?: Response;
}

/** The real `Response`, built once; from then on its parts are no longer handed out (its body may be read). */
function real(self: Whole): Response {
  const parts = self[PARTS];
  if (parts) {
    self[REAL] = new Response(parts.body, { status: parts.status, headers: parts.headers });
    self[PARTS] = undefined;
  }
  return self[REAL] as Response;
}

// A plain class set under Response's prototype: `instanceof Response` holds and every member a real
// response has works, through the real one built on first use. Its constructor does no Web work.
const WholeResponse = function (this: Whole, parts: WholeResponseParts) {
  this[PARTS] = parts;
} as unknown as new (
  parts: WholeResponseParts,
) => Response;

Object.setPrototypeOf(WholeResponse.prototype, Response.prototype);
Object.defineProperties(WholeResponse.prototype, {
  status: {
    get(this: Whole) {
      return this[PARTS]?.status ?? real(this).status;
    },
  },
  ok: {
    get(this: Whole) {
      const status = this[PARTS]?.status ?? real(this).status;
      return status >= 200 && status < 300;
    },
  },
  headers: {
    get(this: Whole) {
      const parts = this[PARTS];
      if (!parts) return real(this).headers;
      // Kept in the parts, so a header the handler sets afterwards is in what the adapter writes.
      if (!(parts.headers instanceof Headers)) parts.headers = new Headers(parts.headers);
      return parts.headers;
    },
  },
});
for (const name of Object.getOwnPropertyNames(Response.prototype)) {
  if (name === 'constructor' || name === 'status' || name === 'ok' || name === 'headers') continue;
  const descriptor = Object.getOwnPropertyDescriptor(Response.prototype, name);
  if (descriptor?.get) {
    Object.defineProperty(WholeResponse.prototype, name, {
      get(this: Whole) {
        return Reflect.get(real(this), name);
      },
    });
  } else if (typeof descriptor?.value === 'function') {
    Object.defineProperty(WholeResponse.prototype, name, {
      value(this: Whole, ...args: unknown[]) {
        const response = real(this);
        return (Reflect.get(response, name) as (...a: unknown[]) => unknown).apply(response, args);
      },
    });
  }
}

/**
 * A `Response` with a text body known at once, cheap to build: the real one is made only if
 * something reads its body (or anything but status and headers).
 * @internal
 */
export function wholeResponse(body: string, status: number, headers: Record<string, string>): Response {
  return new WholeResponse({ status, headers, body });
}

/**
 * For adapters: the status, headers and whole text body of an answer core built at once (every JSON
 * answer of its webhook, health and sync routes), so it can be written without reading a Web
 * stream. `undefined` for any other response, or once its body has been asked for: then read the
 * `Response` as usual.
 *
 * @example
 * ```ts
 * const whole = wholeResponseParts(response);
 * if (whole) res.writeHead(whole.status, toNodeHeaders(whole.headers)).end(whole.body);
 * ```
 */
export function wholeResponseParts(response: Response): WholeResponseParts | undefined {
  return (response as Whole)[PARTS];
}
