import { defineCommand } from 'citty';
import { type CliContext, globalArgs, openContext, pickUser } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { printJson, say } from '../terminal.js';
import { allowUnauthenticatedWebhookArg } from '../webhook-secret.js';

const userArg = {
  user: { type: 'string', description: 'only this Withings user (default: every linked account)' },
} as const;

async function accountsOf(ctx: CliContext, user: string | undefined): Promise<string[]> {
  if (user) return [await pickUser(ctx.sync, user)];
  const ids = (await ctx.sync.accounts.list())
    .filter((a) => !a.unlinkedAt && a.sessions.withings)
    .map((a) => a.userId);
  if (ids.length === 0)
    throw new CliError('no Withings account is linked', {
      exitCode: EXIT.USAGE,
      fix: 'run: wg-sync withings auth',
    });
  return ids;
}

async function client(ctx: CliContext, userId: string) {
  const withings = await ctx.sync.withingsClient(userId);
  if (!withings)
    throw new CliError(`no Withings tokens for user ${userId}`, {
      exitCode: EXIT.AUTH,
      fix: 'run: wg-sync withings auth',
    });
  return withings;
}

/**
 * Checks what Withings will check, from here, before asking it to subscribe: https, port 443 or 80,
 * at most 255 characters, and a HEAD request answered 2xx without a redirect.
 */
export async function preflight(url: string): Promise<string[]> {
  const problems: string[] = [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ['not a URL'];
  }
  if (parsed.protocol !== 'https:') problems.push('Withings only calls https URLs');
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  if (port !== '443' && port !== '80') problems.push(`port ${port}: Withings only calls ports 443 and 80`);
  if (url.length > 255) problems.push(`${url.length} characters: Withings allows at most 255`);
  if (
    /^(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(parsed.hostname) ||
    /^\d+\.\d+\.\d+\.\d+$/.test(parsed.hostname)
  ) {
    problems.push('an IP address or an internal host name: Withings needs a public domain name');
  }
  try {
    const response = await fetch(url, {
      method: 'HEAD',
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    });
    if (response.status < 200 || response.status >= 300) {
      problems.push(
        `HEAD answered ${response.status}${response.status >= 300 && response.status < 400 ? ' (a redirect: Withings does not follow it)' : response.status === 404 ? ' (is wg-sync serve running there, with the same WG_SYNC_WEBHOOK_SECRET?)' : ''}; it must answer 2xx`,
      );
    }
  } catch (error) {
    problems.push(
      `HEAD failed from here (${(error as Error).name === 'TimeoutError' ? 'no answer in 5 s' : 'unreachable'})`,
    );
  }
  return problems;
}

const WEBHOOK_PATH = ['webhook', 'withings'];

/**
 * The callback URL to subscribe, from what the person passed (or `WG_SYNC_PUBLIC_URL`):
 * - a base URL (`https://sync.example.org`, `https://example.org/wg`) gets `/webhook/withings/<secret>`;
 * - a URL ending in `/webhook/withings` gets `/<secret>`;
 * - a URL ending in `/webhook/withings/<segment>` is kept when the segment is the configured secret and
 *   refused otherwise (an old or mistyped secret: `serve` would answer 404, and Withings would drop
 *   the subscription after failed deliveries).
 * Without a secret (only with `--allow-unauthenticated-webhook`) the same rules apply without the
 * segment, and a URL that carries one is refused. Error messages never repeat a secret.
 */
export function callbackUrl(
  input: string | undefined,
  options: { secret?: string | undefined; fromConfig?: string | undefined },
): string {
  const { secret } = options;
  if (input === undefined) {
    if (options.fromConfig) return options.fromConfig;
    throw new CliError('which URL?', {
      exitCode: EXIT.USAGE,
      fix: 'pass the public base URL (https://sync.example.org), or set WG_SYNC_PUBLIC_URL',
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new CliError('the webhook URL is not a URL', {
      exitCode: EXIT.USAGE,
      fix: 'pass an absolute URL such as https://sync.example.org',
    });
  }
  if (parsed.search || parsed.hash) {
    throw new CliError('the webhook URL has a ?query or #fragment', {
      exitCode: EXIT.USAGE,
      fix: 'pass the base URL only, such as https://sync.example.org',
    });
  }
  const base = input.replace(/\/+$/, '');
  const segments = parsed.pathname.replace(/\/+$/, '').split('/').slice(1);
  const at = segments.findIndex((s, i) => s === WEBHOOK_PATH[0] && segments[i + 1] === WEBHOOK_PATH[1]);
  const after = at === -1 ? [] : segments.slice(at + 2);
  if (at === -1) return `${base}/webhook/withings${secret ? `/${secret}` : ''}`;
  if (after.length === 0) return secret ? `${base}/${secret}` : base;
  if (after.length === 1 && secret && after[0] === secret) return base;
  if (after.length === 1) {
    throw new CliError(
      secret
        ? 'the webhook URL ends in a secret segment that is not WG_SYNC_WEBHOOK_SECRET: wg-sync serve would answer 404'
        : 'the webhook URL ends in a secret segment but WG_SYNC_WEBHOOK_SECRET is not set here',
      {
        exitCode: EXIT.USAGE,
        fix: secret
          ? 'pass the base URL (https://sync.example.org): the configured secret is appended'
          : 'set the WG_SYNC_WEBHOOK_SECRET that wg-sync serve uses, then pass the base URL',
      },
    );
  }
  throw new CliError('the webhook URL has more after /webhook/withings than the secret segment', {
    exitCode: EXIT.USAGE,
    fix: 'pass the base URL (https://sync.example.org): the path is added for you',
  });
}

const subscribe = defineCommand({
  meta: {
    name: 'subscribe',
    description:
      'check the webhook URL the way Withings will, then subscribe (appli 1; 4 with blood pressure)',
  },
  args: {
    ...globalArgs,
    ...userArg,
    url: {
      type: 'positional',
      required: false,
      description:
        'the public base URL, or the webhook URL; /webhook/withings/<secret> is added (default: WG_SYNC_PUBLIC_URL)',
    },
    force: { type: 'boolean', description: 'subscribe even if the preflight finds problems', default: false },
    ...allowUnauthenticatedWebhookArg,
  },
  async run({ args }) {
    const ctx = await openContext(
      args,
      args['allow-unauthenticated-webhook'] ? { allowUnauthenticatedWebhook: true } : {},
      { webhook: 'webhook subscribe' },
    );
    const url = callbackUrl(args.url, { secret: ctx.config.webhookSecret, fromConfig: ctx.sync.webhookUrl });
    say(`webhook URL: ${ctx.redactor.text(url)}`);
    const problems = await preflight(url);
    for (const problem of problems) say(`preflight: ${problem}`);
    if (problems.length > 0 && !args.force) {
      throw new CliError('the webhook URL would be refused by Withings (status 293)', {
        exitCode: EXIT.USAGE,
        fix: 'fix the problems above, or pass --force to try anyway',
      });
    }
    const applis = ctx.config.bloodPressure ? [1, 4] : [1];
    for (const userId of await accountsOf(ctx, args.user)) {
      const withings = await client(ctx, userId);
      const existing = await withings.notify.list();
      for (const appli of applis) {
        if (existing.some((s) => s.appli === appli && s.callbackUrl === url)) {
          say(`user ${userId}: appli ${appli} already subscribed`);
          continue;
        }
        await withings.notify.subscribe({ callbackUrl: url, appli, comment: 'wg-sync' });
        say(`user ${userId}: subscribed appli ${appli}`);
      }
    }
  },
});

const list = defineCommand({
  meta: { name: 'list', description: 'list the Withings webhook subscriptions of each account' },
  args: { ...globalArgs, ...userArg, json: { type: 'boolean', description: 'print JSON', default: false } },
  async run({ args }) {
    const ctx = await openContext(args);
    const all: Array<{ userId: string; appli: number; callbackUrl: string; comment: string | null }> = [];
    for (const userId of await accountsOf(ctx, args.user)) {
      for (const s of await (await client(ctx, userId)).notify.list()) {
        // Listings get pasted into bug reports: the secret path segment stays out of them.
        all.push({
          userId,
          appli: s.appli,
          callbackUrl: ctx.redactor.text(s.callbackUrl),
          comment: s.comment,
        });
      }
    }
    if (args.json) return printJson(all);
    if (all.length === 0) say('no subscriptions');
    for (const s of all) say(`user ${s.userId}  appli ${s.appli}  ${s.callbackUrl}`);
  },
});

const revoke = defineCommand({
  meta: { name: 'revoke', description: 'remove a Withings webhook subscription' },
  args: {
    ...globalArgs,
    ...userArg,
    url: {
      type: 'positional',
      required: true,
      description: 'the subscribed URL, as webhook list shows it ([redacted] for the secret) or in full',
    },
    appli: { type: 'string', description: 'only this appli (default: every appli on that URL)' },
  },
  async run({ args }) {
    const ctx = await openContext(args);
    for (const userId of await accountsOf(ctx, args.user)) {
      const withings = await client(ctx, userId);
      // `webhook list` shows the secret segment as [redacted]: that form, pasted, names the same URL.
      const mine = (await withings.notify.list()).filter(
        (s) =>
          (s.callbackUrl === args.url || ctx.redactor.text(s.callbackUrl) === args.url) &&
          (!args.appli || s.appli === Number(args.appli)),
      );
      for (const s of mine) {
        await withings.notify.revoke({ callbackUrl: s.callbackUrl, appli: s.appli });
        say(`user ${userId}: revoked appli ${s.appli}`);
      }
      if (mine.length === 0) say(`user ${userId}: nothing subscribed at that URL`);
    }
  },
});

export const webhook = defineCommand({
  meta: { name: 'webhook', description: 'manage the Withings webhook subscription' },
  subCommands: { subscribe, list, revoke },
});
