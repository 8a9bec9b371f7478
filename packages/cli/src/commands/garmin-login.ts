import { readFile } from 'node:fs/promises';
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
import { globalArgs, openContext, pickUser } from '../context.js';
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
  },
  async run({ args }) {
    const ctx = await openContext(args);
    const userId = await pickUser(ctx.sync, args.user);
    const domain = (ctx.config.garmin?.domain ?? 'garmin.com') as GarminDomain;
    const http = { domain, ...(ctx.config.garmin?.urls ? { urls: ctx.config.garmin.urls } : {}) };
    const browser = () =>
      garminBrowserLogin({
        ...http,
        headless: args.headless,
        ...(args['executable-path'] ? { executablePath: args['executable-path'] } : {}),
      });

    let tokens: GarminTokens;
    let verified = false;
    if (args.method === 'mobile') {
      const email = args.email ?? ctx.env.GARMIN_EMAIL ?? (await ask('Garmin e-mail:'));
      const password = ctx.env.GARMIN_PASSWORD ?? (await ask('Garmin password:', { secret: true }));
      try {
        tokens = await garminLogin({
          ...http,
          email,
          password,
          mfa: () => ask('MFA code (Garmin e-mailed it):'),
        });
        verified = true;
      } catch (error) {
        if (!isGarminApiError(error) || (error.code !== 'BLOCKED' && error.code !== 'RATE_LIMITED'))
          throw error;
        say(
          `Garmin refused the sign-in from here (${error.code}). This is Cloudflare blocking scripted logins, not your password.`,
        );
        if (!interactive() || !(await confirm('Sign in in a browser window instead?', true))) {
          throw new CliError(`Garmin sign-in ${error.code === 'BLOCKED' ? 'blocked' : 'rate limited'}`, {
            exitCode: EXIT.UPSTREAM,
            fix: 'run: wg-sync garmin login --method browser (or --method ticket with a ticket from your browser)',
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
      if (!args.file)
        throw new CliError('--method import needs the token file', {
          exitCode: EXIT.USAGE,
          fix: 'wg-sync garmin login --method import ~/.garminconnect/garmin_tokens.json',
        });
      tokens = importGarminTokens(await readFile(args.file, 'utf8'));
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
