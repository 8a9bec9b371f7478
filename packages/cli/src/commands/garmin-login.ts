import { readFile } from 'node:fs/promises';
import { garminLoginCooldown } from '@wg-sync/core';
import {
  exchangeServiceTicket,
  GarminClient,
  type GarminDomain,
  type GarminTokens,
  garminBrowserLogin,
  garminLogin,
  garminServiceUrl,
  importGarminTokens,
  isGarminApiError,
} from '@wg-sync/garmin';
import { defineCommand } from 'citty';
import { globalArgs, openContext, pickUser, warn } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { ask, confirm, interactive, say } from '../terminal.js';

export const garminLoginCommand = defineCommand({
  meta: {
    name: 'login',
    description: 'sign in to Garmin Connect and store its tokens for the linked Withings user',
  },
  args: {
    ...globalArgs,
    method: {
      type: 'enum',
      options: ['mobile', 'browser', 'ticket', 'import'],
      default: 'mobile',
      description:
        'mobile: e-mail/password (+ MFA); browser: a real Chromium window; ticket: a pasted ST-…; import: a token file',
    },
    file: {
      type: 'positional',
      required: false,
      description: 'the token file (import) or the ticket (ticket)',
    },
    user: { type: 'string', description: 'the Withings user id to link (default: the only account)' },
    email: { type: 'string', description: 'Garmin e-mail (default $GARMIN_EMAIL, else asked)' },
    'executable-path': { type: 'string', description: 'Chromium/Chrome to use for --method browser' },
    headless: {
      type: 'boolean',
      description: 'browser login without a window (for automation)',
      default: false,
    },
    'client-ids': {
      type: 'string',
      description:
        'DI client ids to try, newest first, comma-separated (default $WG_SYNC_GARMIN_CLIENT_IDS, else the built-in list)',
      valueHint: 'id,id',
    },
    transport: {
      type: 'enum',
      options: ['fetch', 'impit'],
      default: 'fetch',
      description:
        "mobile sign-in over Node's fetch, or impit (npm install impit), which looks like a browser to Cloudflare",
    },
    force: {
      type: 'boolean',
      description: 'sign in even while a Garmin rate-limit cooldown is running (it may extend the block)',
      default: false,
    },
  },
  async run({ args }) {
    // A file named on the command line is checked before anything else is opened or sent.
    const imported = args.method === 'import' ? await readTokenFile(args.file) : undefined;
    const ctx = await openContext(args);
    const userId = await pickUser(ctx.sync, args.user);
    const domain = (ctx.config.garmin?.domain ?? 'garmin.com') as GarminDomain;
    const clientIds = parseClientIds(args['client-ids']) ?? ctx.config.garmin?.clientIds;
    const http = {
      domain,
      ...(ctx.config.garmin?.urls ? { urls: ctx.config.garmin.urls } : {}),
      ...(clientIds ? { clientIds } : {}),
    };
    if (args.transport !== 'fetch' && args.method !== 'mobile') {
      throw new CliError(`--transport ${args.transport} only applies to --method mobile`, {
        exitCode: EXIT.USAGE,
        fix: 'wg-sync garmin login --method mobile --transport impit',
      });
    }
    const browser = () =>
      garminBrowserLogin({
        ...http,
        headless: args.headless,
        ...(args['executable-path'] ? { executablePath: args['executable-path'] } : {}),
      });

    let tokens: GarminTokens;
    let verified = false;
    if (args.method === 'mobile') {
      const email = (args.email ?? ctx.env.GARMIN_EMAIL ?? (await ask('Garmin e-mail:'))).trim();
      // Garmin's sign-in rate limit is per account, lasts hours and re-arms when retried (protocol
      // §10): nothing is sent to Garmin while a recorded cooldown runs, unless the person insists.
      const cooldown = garminLoginCooldown(ctx.store);
      const running = await cooldown.check(email);
      if (running && !args.force) throw cooldownError(running.until, 'still');
      if (running) {
        warn(
          `warning: signing in during a Garmin rate-limit cooldown (until ${running.until.toISOString()}); another refusal makes the next cooldown twice as long`,
        );
      }
      const password = ctx.env.GARMIN_PASSWORD ?? (await ask('Garmin password:', { secret: true }));
      const fetch = args.transport === 'impit' ? await impitTransport() : undefined;
      try {
        tokens = await garminLogin({
          ...http,
          ...(fetch ? { fetch } : {}),
          email,
          password,
          mfa: () => ask('MFA code (Garmin e-mailed it):'),
        });
        verified = true;
        await cooldown.clear(email);
      } catch (error) {
        if (isGarminApiError(error) && error.code === 'RATE_LIMITED') {
          // Never fall through to another endpoint or a browser now: that re-arms the block.
          const next = await cooldown.recordRateLimit(email, error.retryAfterMs);
          throw cooldownError(next.until, 'now', error);
        }
        if (!isGarminApiError(error) || error.code !== 'BLOCKED') throw error;
        say(
          'Garmin refused the sign-in from here (BLOCKED). This is Cloudflare blocking scripted logins, not your password.',
        );
        if (!interactive() || !(await confirm('Sign in in a browser window instead?', true))) {
          throw new CliError('Garmin sign-in blocked', {
            exitCode: EXIT.UPSTREAM,
            fix: 'run: wg-sync garmin login --method browser (or --method ticket with a ticket from your browser, or --transport impit)',
          });
        }
        tokens = await browser();
      }
    } else if (args.method === 'browser') {
      tokens = await browser();
    } else if (args.method === 'ticket') {
      const pasted = args.file ?? (await ask('Paste the ST-… ticket (or the whole address with ?ticket=):'));
      tokens = await exchangeServiceTicket(pasted.trim(), { ...http, serviceUrl: garminServiceUrl(domain) });
    } else {
      tokens = imported as GarminTokens;
    }

    let name = '';
    if (!verified) {
      // One real call proves the tokens before they are stored (an expired import would fail later otherwise).
      const client = new GarminClient({
        tokens,
        ...http,
        onTokens: async (next) => {
          tokens = next;
        },
      });
      name = (await client.verifySession()).displayName;
      tokens = client.tokens;
    }
    await ctx.sync.accounts.setGarmin(userId, tokens);
    say(`Garmin account${name ? ` ${name}` : ''} linked to Withings user ${userId}.`);
    say('Next: wg-sync sync --dry-run   (then wg-sync webhook subscribe <url> for real-time syncs)');
  },
});

const IMPORT_FIX =
  'pass python-garminconnect’s ~/.garminconnect/garmin_tokens.json or a token file wg-sync wrote, or sign in: wg-sync garmin login';

/** The tokens in the file `--method import` names: a missing, unreadable or foreign file is a usage error. */
async function readTokenFile(file: string | undefined): Promise<GarminTokens> {
  if (!file) {
    throw new CliError('--method import needs the token file', {
      exitCode: EXIT.USAGE,
      fix: 'wg-sync garmin login --method import ~/.garminconnect/garmin_tokens.json',
    });
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES'
          ? 'it is not readable'
          : code === 'EISDIR'
            ? 'it is a directory'
            : `it cannot be read (${code ?? 'error'})`;
    throw new CliError(`cannot import ${file}: ${why}`, {
      exitCode: EXIT.USAGE,
      fix: IMPORT_FIX,
      cause: error,
    });
  }
  try {
    return importGarminTokens(text);
  } catch (error) {
    if (!isGarminApiError(error, 'PROTOCOL')) throw error;
    // The reason never quotes the file (it may hold tokens).
    const reason = error.message.replace(/^cannot import Garmin tokens: /, '');
    throw new CliError(`${file} is not a Garmin token file (${reason})`, {
      exitCode: EXIT.USAGE,
      fix: IMPORT_FIX,
      cause: error,
    });
  }
}

/** `--client-ids a,b` as a list; undefined when not given. */
function parseClientIds(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0 || ids.some((id) => !/^[A-Za-z0-9_.-]+$/.test(id))) {
    throw new CliError('--client-ids must be a comma-separated list of Garmin DI client ids', {
      exitCode: EXIT.USAGE,
      fix: 'wg-sync garmin login --client-ids GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3,GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
    });
  }
  return ids;
}

function cooldownError(until: Date, when: 'now' | 'still', cause?: unknown): CliError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  const left = minutes >= 90 ? `${Math.round(minutes / 60)} h` : `${minutes} min`;
  const what =
    when === 'now'
      ? 'Garmin rate-limited the sign-in for this account (HTTP 429); nothing else was tried'
      : 'Garmin rate-limited the sign-in for this account earlier; nothing was sent';
  return new CliError(`${what}. Signing in again is possible at ${until.toISOString()} (in about ${left})`, {
    exitCode: EXIT.UPSTREAM,
    fix: `wait until then (each refusal doubles the wait, up to 24 h), or sign in once from a home network with wg-sync garmin login --method browser; --force sends anyway`,
    ...(cause ? { cause } : {}),
  });
}

/** The impit transport, loaded only when asked for (an optional dependency with native binaries). */
async function impitTransport(): Promise<typeof fetch> {
  const { impitFetch } = await import('@wg-sync/garmin/impit');
  return impitFetch();
}
