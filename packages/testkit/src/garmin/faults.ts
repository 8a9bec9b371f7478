import { FaultQueue } from '../shared/faults.js';
import { json } from '../shared/http-server.js';
import type { GarminSimFault, GarminSimFaultKind, GarminSimFaults } from './types.js';

const SSO = /^\/(mobile|portal)\/(api|sso)\//;
const SSO_LOGIN = /^\/(mobile|portal)\/api\/login$/;
const API = /^\/[a-z]+-service\//;
const UPLOAD = /^\/upload-service\/upload/;

/** Where each fault kind applies unless the test says otherwise. */
const DEFAULT_MATCH: Record<GarminSimFaultKind, RegExp | undefined> = {
  'cloudflare-403': SSO,
  'cloudflare-429': SSO,
  'json-429': SSO,
  'captcha-required': SSO_LOGIN,
  'rate-limited': undefined,
  'server-error': undefined,
  unavailable: undefined,
  'expired-token': API,
  forbidden: API,
  'empty-body': API,
  'duplicate-upload': UPLOAD,
  'phantom-upload': UPLOAD,
  'empty-array-upload': UPLOAD,
  'empty-body-upload': UPLOAD,
  'upload-failure': UPLOAD,
  'gateway-timeout': UPLOAD,
  'gateway-timeout-stored': UPLOAD,
  'payload-too-large': UPLOAD,
  'rewrite-json': undefined,
  'inactive-token': /^\/di-oauth2-service\/oauth\/token$/,
};

export interface QueuedFault {
  kind: GarminSimFaultKind;
  retryAfterSeconds: number;
  rewrite?: (body: unknown) => unknown;
}

/** The simulator's typed fault queue. */
export function createGarminFaults(): GarminSimFaults & { take(path: string): QueuedFault | undefined } {
  const queue = new FaultQueue<QueuedFault>();
  return {
    add(fault: GarminSimFault, times = 1, match?: string | RegExp) {
      const kind = typeof fault === 'string' ? fault : fault.kind;
      if (!(kind in DEFAULT_MATCH)) throw new Error(`unknown Garmin simulator fault ${JSON.stringify(kind)}`);
      const retryAfterSeconds = typeof fault === 'string' ? 30 : (fault.retryAfterSeconds ?? 30);
      const rewrite = typeof fault === 'string' ? undefined : fault.rewrite;
      if (kind === 'rewrite-json' && typeof rewrite !== 'function') {
        throw new Error(
          "the 'rewrite-json' fault needs a rewrite function: { kind: 'rewrite-json', rewrite }",
        );
      }
      queue.add(
        { kind, retryAfterSeconds, ...(rewrite ? { rewrite } : {}) },
        times,
        match ?? DEFAULT_MATCH[kind],
      );
    },
    clear: () => queue.clear(),
    get size() {
      return queue.size;
    },
    take: (path: string) => queue.take(path),
  };
}

const CLOUDFLARE_403 = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">sso.garmin.com</h1>
<h2 class="h2">Verifying you are human. This may take a few seconds.</h2>
<noscript>Enable JavaScript and cookies to continue</noscript>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script>
</div></div></body></html>`;

const CLOUDFLARE_429 = `<!DOCTYPE html>
<html lang="en-US"><head>
<title>Access denied | sso.garmin.com used Cloudflare to restrict access</title>
<meta charset="UTF-8" /><meta name="robots" content="noindex, nofollow" />
</head><body><div class="cf-error-details"><h1>Access denied</h1>
<p>The owner of this website (sso.garmin.com) has banned you temporarily from accessing this website.</p>
<ul><li>Ray ID: 0000000000000000</li><li>Error reference number: 1015</li></ul>
</div></body></html>`;

/**
 * The answer for a fault that does not depend on the route, or undefined for route-specific
 * faults (captcha, uploads), which the routes handle themselves.
 */
export function genericFaultResponse(fault: QueuedFault): Response | undefined {
  const cf = { server: 'cloudflare', 'cf-ray': '0000000000000000-FRA' };
  switch (fault.kind) {
    case 'cloudflare-403':
      return new Response(CLOUDFLARE_403, {
        status: 403,
        headers: { ...cf, 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' },
      });
    case 'cloudflare-429':
      return new Response(CLOUDFLARE_429, {
        status: 429,
        headers: {
          ...cf,
          'content-type': 'text/html; charset=UTF-8',
          'retry-after': String(fault.retryAfterSeconds),
        },
      });
    case 'json-429':
      return json({ error: { 'status-code': '429', 'request-id': crypto.randomUUID() } }, 200);
    case 'rate-limited':
      return json({ message: 'HTTP 429 Too Many Requests', error: 'TooManyRequestsException' }, 429, {
        'retry-after': String(fault.retryAfterSeconds),
      });
    case 'server-error':
      return json({ message: 'HTTP 500 Internal Server Error', error: 'InternalServerErrorException' }, 500);
    case 'unavailable':
      return new Response('upstream connect error or disconnect/reset before headers', {
        status: 503,
        headers: { 'content-type': 'text/plain' },
      });
    case 'expired-token':
      return expiredToken();
    case 'forbidden':
      return json({ message: 'HTTP 403 Forbidden', error: 'ForbiddenException' }, 403, cf);
    case 'empty-body':
      return new Response(null, { status: 200, headers: { 'content-type': 'application/json' } });
    case 'gateway-timeout':
      return gatewayTimeout();
    case 'payload-too-large':
      return payloadTooLarge();
    default:
      return undefined;
  }
}

/**
 * A gateway that gave up waiting for the upload service (what big files got, protocol §10). No
 * published recording: a plain proxy page, deliberately not Cloudflare-branded, so clients see an
 * upstream failure rather than a block.
 */
export function gatewayTimeout(): Response {
  return new Response(
    '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>',
    { status: 504, headers: { 'content-type': 'text/html' } },
  );
}

/** 413 in the recorded connectapi error shape (constructed: no recording is published). */
export function payloadTooLarge(): Response {
  return json({ message: 'HTTP 413 Payload Too Large', error: 'PayloadTooLargeException' }, 413);
}

/**
 * The `rewrite-json` fault: the route's normal answer with its JSON body replaced by what
 * `rewrite` makes of it (status and headers kept). A body that is not JSON is passed on unchanged.
 */
export async function rewriteJson(response: Response, fault: QueuedFault): Promise<Response> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  const rewritten = fault.rewrite?.(body);
  return new Response(JSON.stringify(rewritten === undefined ? body : rewritten), {
    status: response.status,
    headers,
  });
}

/** Garmin's 401 for an unusable access token (protocol §2.7): header only, empty body. */
export function expiredToken(): Response {
  return new Response(null, {
    status: 401,
    headers: {
      'www-authenticate': 'Bearer error="invalid_token", error_description="Token is not active"',
      server: 'cloudflare',
    },
  });
}

/** The recorded 404 body. */
export function notFound(): Response {
  return json({ message: 'HTTP 404 Not Found', error: 'NotFoundException' }, 404);
}

/** A 400 in the recorded error shape. */
export function badRequest(): Response {
  return json({ message: 'HTTP 400 Bad Request', error: 'BadRequestException' }, 400);
}
