// Kept apart from page-route.ts so that the handler can tell a page request without loading the
// page (its rendering, sessions and files load on the first one: not on a webhook's cold start).

/** Whether the request is for the page: `GET /`, `POST /`, `/page/*`, or `GET /status` asking for HTML. */
export function isPageRequest(request: Request, path: string): boolean {
  if (path === '/' || path.startsWith('/page/')) return true;
  return path === '/status' && request.method === 'GET' && wantsHtml(request);
}

/** `Accept` prefers `text/html` to JSON (what a browser's navigation sends). */
function wantsHtml(request: Request): boolean {
  const accept = (request.headers.get('accept') ?? '').toLowerCase();
  return accept.includes('text/html');
}
