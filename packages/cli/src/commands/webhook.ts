import { defineCommand } from 'citty';
import { type CliContext, globalArgs, openContext, pickUser } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { printJson, say } from '../terminal.js';

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
        `HEAD answered ${response.status}${response.status >= 300 && response.status < 400 ? ' (a redirect: Withings does not follow it)' : ''}; it must answer 2xx`,
      );
    }
  } catch (error) {
    problems.push(
      `HEAD failed from here (${(error as Error).name === 'TimeoutError' ? 'no answer in 5 s' : 'unreachable'})`,
    );
  }
  return problems;
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
      description: 'the public webhook URL (default: from WG_SYNC_PUBLIC_URL and the webhook secret)',
    },
    force: { type: 'boolean', description: 'subscribe even if the preflight finds problems', default: false },
  },
  async run({ args }) {
    const ctx = await openContext(args);
    const url = args.url ?? ctx.sync.webhookUrl;
    if (!url)
      throw new CliError('which URL?', {
        exitCode: EXIT.USAGE,
        fix: 'pass the URL, or set WG_SYNC_PUBLIC_URL',
      });
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
    url: { type: 'positional', required: true, description: 'the subscribed URL' },
    appli: { type: 'string', description: 'only this appli (default: every appli on that URL)' },
  },
  async run({ args }) {
    const ctx = await openContext(args);
    for (const userId of await accountsOf(ctx, args.user)) {
      const withings = await client(ctx, userId);
      const mine = (await withings.notify.list()).filter(
        (s) => s.callbackUrl === args.url && (!args.appli || s.appli === Number(args.appli)),
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
