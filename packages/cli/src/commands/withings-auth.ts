import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WithingsTokens, withingsOAuth } from '@wg-sync/withings';
import { defineCommand } from 'citty';
import { globalArgs, openContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { openInBrowser } from '../open-browser.js';
import { ask, say } from '../terminal.js';

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif"><h1>${title}</h1><p>${text}</p>`;

export const withingsAuth = defineCommand({
  meta: {
    name: 'auth',
    description:
      'authorize wg-sync at Withings: opens the consent page and captures the code (it lives 30 s)',
  },
  args: {
    ...globalArgs,
    port: {
      type: 'string',
      description: 'port of the local callback server on 127.0.0.1',
      default: '8123',
    },
    'redirect-uri': {
      type: 'string',
      description:
        'the callback URL registered in your Withings app (default http://127.0.0.1:<port>/withings/callback)',
    },
    scope: {
      type: 'string',
      description: 'comma-separated scopes',
      default: 'user.metrics',
    },
    open: { type: 'boolean', description: 'open the consent page in a browser', default: true },
    timeout: { type: 'string', description: 'seconds to wait for the consent', default: '300' },
    'time-zone': {
      type: 'string',
      description: 'IANA time zone of the person (default: the one Withings reports)',
    },
  },
  async run({ args }) {
    const ctx = await openContext(args);
    const port = Number(args.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new CliError('--port must be 0–65535', { exitCode: EXIT.USAGE });
    const { tokens } = await authorizeWithings({
      withings: ctx.config.withings,
      ...(ctx.env.WITHINGS_ACCOUNT_URL ? { accountUrl: ctx.env.WITHINGS_ACCOUNT_URL } : {}),
      port,
      ...(args['redirect-uri'] ? { redirectUri: args['redirect-uri'] } : {}),
      scope: args.scope
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      timeoutMs: Number(args.timeout) * 1000,
      visit(url) {
        say(
          'Open this page and allow wg-sync (the code it returns lives 30 seconds; it is captured automatically):',
        );
        say(url);
        if (args.open) openInBrowser(url);
      },
      pasted: () => ask('Paste the address Withings sent you to (or just the code):'),
    });
    const account = await ctx.sync.accounts.setWithings(
      tokens,
      args['time-zone'] ? { timeZone: args['time-zone'] } : {},
    );
    say(
      `Withings user ${account.userId} authorized (scopes: ${tokens.scope.join(', ') || 'none reported'}).`,
    );
    say(
      account.sessions.garmin
        ? 'Both sides are linked: try wg-sync sync --dry-run'
        : 'Next: wg-sync garmin login',
    );
  },
});

/** Options of {@link authorizeWithings}. */
export interface AuthorizeWithingsOptions {
  withings: { clientId: string; clientSecret: string; baseUrl?: string };
  /** The consent page's host (default Withings' own; the simulator in the demo and tests). */
  accountUrl?: string;
  /** Port of the one-shot callback server on 127.0.0.1 (0: any free port). */
  port: number;
  /** The redirect URI registered in the Withings app (default: the local callback server). */
  redirectUri?: string;
  scope?: string[];
  /** How long to wait for the code to come back to the callback server. */
  timeoutMs: number;
  /** Gets a person (or the demo) to the consent page. */
  visit(url: string): void | Promise<void>;
  /** With a non-local redirect URI the code cannot come back here: what the person pastes instead. */
  pasted?(): Promise<string>;
}

/**
 * The OAuth code flow, shared by `wg-sync withings auth` and the demo: a one-shot callback server on
 * 127.0.0.1, the consent page (`visit`), the code captured (or pasted and its state checked), and the
 * exchange for tokens at once — the code lives 30 s.
 */
export async function authorizeWithings(
  options: AuthorizeWithingsOptions,
): Promise<{ tokens: WithingsTokens; redirectUri: string }> {
  const state = randomBytes(16).toString('hex');
  const { server, callback } = await startCallbackServer(options.port, state);
  try {
    const listening = (server.address() as AddressInfo).port;
    const redirectUri = options.redirectUri ?? `http://127.0.0.1:${listening}/withings/callback`;
    const local = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(redirectUri);
    if (!local && !options.pasted)
      throw new CliError('the redirect URI does not lead back here', { exitCode: EXIT.USAGE });
    const url = withingsOAuth.authorizeUrl({
      clientId: options.withings.clientId,
      redirectUri,
      state,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.accountUrl ? { accountUrl: options.accountUrl } : {}),
    });
    await options.visit(url);
    const code =
      local || !options.pasted
        ? await withTimeout(callback, options.timeoutMs)
        : codeFrom(await options.pasted(), state);
    const { clientId, clientSecret, baseUrl } = options.withings;
    const tokens = await withingsOAuth.exchangeCode({
      clientId,
      clientSecret,
      code,
      redirectUri,
      ...(baseUrl ? { baseUrl } : {}),
    });
    return { tokens, redirectUri };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** A one-shot callback server on 127.0.0.1 that resolves with the authorization code. */
async function startCallbackServer(
  port: number,
  state: string,
): Promise<{ server: Server; callback: Promise<string> }> {
  let resolveCode!: (code: string) => void;
  let rejectCode!: (error: Error) => void;
  const callback = new Promise<string>((resolve, reject) => {
    resolveCode = resolve;
    rejectCode = reject;
  });
  callback.catch(() => undefined);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/withings/callback') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const q = url.searchParams;
    if (q.get('state') !== state) {
      res
        .writeHead(400, { 'content-type': 'text/html' })
        .end(PAGE('wg-sync', 'This answer is not for the running wg-sync (state mismatch).'));
      return;
    }
    if (q.get('error')) {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(PAGE('wg-sync', 'Access was not granted. You can close this tab.'));
      rejectCode(
        new CliError(`Withings answered ${q.get('error')}: access was not granted`, {
          exitCode: EXIT.AUTH,
          fix: 'run wg-sync withings auth again and choose Allow',
        }),
      );
      return;
    }
    const code = q.get('code');
    if (!code) {
      res.writeHead(400, { 'content-type': 'text/html' }).end(PAGE('wg-sync', 'No code in this answer.'));
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(PAGE('wg-sync', 'Withings is linked. You can close this tab and go back to the terminal.'));
    resolveCode(code);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new CliError(`port ${port} on 127.0.0.1 is in use`, {
              exitCode: EXIT.USAGE,
              fix: 'pass --port <another port> (and register that redirect URI)',
            })
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, callback };
}

export function withTimeout(promise: Promise<string>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new CliError(`no answer from Withings within ${ms / 1000} s`, {
            exitCode: EXIT.AUTH,
            fix: 'run wg-sync withings auth again and allow access in the browser',
          }),
        ),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The code from a pasted redirect address (checking its state) or a bare code. */
export function codeFrom(pasted: string, state: string): string {
  if (/^https?:\/\//.test(pasted)) {
    const url = new URL(pasted);
    if (url.searchParams.get('state') !== state) {
      throw new CliError('that address belongs to another authorization (state mismatch)', {
        exitCode: EXIT.AUTH,
        fix: 'paste the address of this run',
      });
    }
    const code = url.searchParams.get('code');
    if (!code) throw new CliError('that address has no code', { exitCode: EXIT.AUTH });
    return code;
  }
  if (!/^[A-Za-z0-9._-]{8,}$/.test(pasted))
    throw new CliError('that does not look like a Withings code', { exitCode: EXIT.USAGE });
  return pasted;
}
