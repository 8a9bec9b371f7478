/** What every HTTP event shape boils down to before it becomes a Web `Request`. */
export interface RequestParts {
  method: string;
  /** `Host` header or the API's domain name; anything that is not a plain host falls back to a placeholder. */
  host: string | undefined;
  /** The route path, stage and base path already removed. */
  path: string;
  /** The query string without `?` (already encoded). */
  query: string;
  headers: Headers;
  body: string | null | undefined;
  isBase64Encoded: boolean | undefined;
}

const PLACEHOLDER_HOST = 'lambda.invalid';
const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/;

/** Builds the Web `Request` the engine's handler takes (GET and HEAD carry no body, as fetch requires). */
export function webRequest(parts: RequestParts): Request {
  const url = new URL(`https://${parts.host && HOST.test(parts.host) ? parts.host : PLACEHOLDER_HOST}`);
  // The setter percent-encodes `?` and `#` inside the path, so they cannot turn into a query or fragment.
  url.pathname = parts.path.startsWith('/') ? parts.path : `/${parts.path}`;
  url.search = parts.query;
  const method = parts.method.toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD' && parts.body != null && parts.body !== '';
  return new Request(url, {
    method,
    headers: parts.headers,
    ...(hasBody
      ? { body: parts.isBase64Encoded ? Buffer.from(parts.body as string, 'base64') : (parts.body as string) }
      : {}),
  });
}

/**
 * Adds header values, skipping those `Headers` refuses (characters outside Latin-1, line breaks): one
 * odd header from a client must not turn a request into a 500.
 */
export function appendHeader(headers: Headers, name: string, value: string | undefined): void {
  if (value === undefined) return;
  try {
    headers.append(name, value);
  } catch {
    // Unrepresentable in a Web Request; the handler never needs such a header.
  }
}

/**
 * Removes the stage (`/prod`) from the front of a path, but only as a whole segment:
 * `/prod/webhook/withings` → `/webhook/withings`, `/production` stays.
 */
export function stripPrefix(path: string, prefix: string | undefined): string {
  if (!prefix || prefix === '$default') return path;
  const segment = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  if (segment === '/') return path;
  if (path === segment) return '/';
  return path.startsWith(`${segment}/`) ? path.slice(segment.length) : path;
}

/** One base-path segment as API Gateway allows it: letters, digits and `$-_.+!*'()`. */
const BASE_PATH = /^\/?[A-Za-z0-9$_.+!*'()-]+(\/[A-Za-z0-9$_.+!*'()-]+)*\/?$/;

/**
 * Why `basePath` cannot be a custom domain's base path (`/wg`, `wg`, `api/v1`), or `undefined` when
 * it can. Checked when the adapter is created, so a typo fails the configuration, not every request.
 */
export function basePathProblem(basePath: string): string | undefined {
  return BASE_PATH.test(basePath)
    ? undefined
    : `basePath must be a path such as /wg (segments of letters, digits and $-_.+!*'() separated by /), not ${JSON.stringify(basePath.slice(0, 40))}`;
}

/**
 * `path` with a custom-domain base path removed, only as whole leading segments (`/wg/health` →
 * `/health`, `/wg` → `/`), or `undefined` when the path is not under it (`/wgx/health`, `/health`):
 * such a request did not come through the mapping, and is answered as a route that does not exist.
 */
export function withinBasePath(path: string, basePath: string | undefined): string | undefined {
  if (basePath === undefined) return path;
  const segment = `/${basePath.replace(/^\/+|\/+$/g, '')}`;
  if (segment === '/') return path;
  if (path === segment || path === `${segment}/`) return '/';
  return path.startsWith(`${segment}/`) ? path.slice(segment.length) : undefined;
}

/** An IPv4 or IPv6 address as text (IPv6 with an embedded IPv4 address is at most 45 characters). */
const ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * The caller's address from the event's request context, for core's per-source throttle of failed
 * bearer attempts. Anything that does not look like an address counts as absent: the throttle then
 * puts the caller in the shared bucket, which is safe, and the log never carries odd text.
 */
export function clientAddressOf(value: unknown): string | undefined {
  return typeof value === 'string' && ADDRESS.test(value) ? value : undefined;
}
