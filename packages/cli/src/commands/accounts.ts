import { defineCommand } from 'citty';
import { globalArgs, openContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { printJson, say } from '../terminal.js';

const list = defineCommand({
  meta: { name: 'list', description: 'list the linked accounts' },
  args: { ...globalArgs, json: { type: 'boolean', description: 'print JSON', default: false } },
  async run({ args }) {
    // Reads the store only: the Withings client secret is not needed here.
    const ctx = await openContext(args, {}, { withingsOptional: true });
    const accounts = await ctx.sync.accounts.list();
    if (args.json) return printJson(accounts);
    if (accounts.length === 0) say('no account linked yet: run wg-sync withings auth');
    for (const a of accounts) {
      const sides =
        `withings ${a.sessions.withings ? 'ok' : 'missing'}, garmin ${a.sessions.garmin ? 'ok' : 'missing'}` +
        (a.sessions.intervals ? ', intervals.icu ok' : '');
      say(`${a.userId}  linked ${a.linkedAt}  ${sides}${a.unlinkedAt ? `  UNLINKED ${a.unlinkedAt}` : ''}`);
    }
  },
});

const unlink = defineCommand({
  meta: { name: 'unlink', description: 'forget an account’s tokens and state (its upload ledger is kept)' },
  args: {
    ...globalArgs,
    userId: {
      type: 'positional',
      required: true,
      description: 'the Withings user id (wg-sync accounts list)',
    },
  },
  async run({ args }) {
    const ctx = await openContext(args, {}, { withingsOptional: true });
    try {
      await ctx.sync.accounts.unlink(args.userId);
    } catch (error) {
      if ((error as { code?: unknown })?.code !== 'ACCOUNT_NOT_FOUND') throw error;
      // Core's words ("pass userId") are for code; here the id is this command's argument.
      throw new CliError(`no linked account for Withings user ${args.userId}`, {
        exitCode: EXIT.USAGE,
        fix: 'wg-sync accounts unlink <userId>, with an id that wg-sync accounts list shows',
        cause: error,
      });
    }
    say(`user ${args.userId} unlinked`);
  },
});

export const accounts = defineCommand({
  meta: { name: 'accounts', description: 'list or unlink linked accounts' },
  subCommands: { list, unlink },
  default: 'list',
});
