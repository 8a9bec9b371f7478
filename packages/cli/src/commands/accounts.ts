import { defineCommand } from 'citty';
import { globalArgs, openContext } from '../context.js';
import { printJson, say } from '../terminal.js';

const list = defineCommand({
  meta: { name: 'list', description: 'list the linked accounts' },
  args: { ...globalArgs, json: { type: 'boolean', description: 'print JSON', default: false } },
  async run({ args }) {
    const ctx = await openContext(args);
    const accounts = await ctx.sync.accounts.list();
    if (args.json) return printJson(accounts);
    if (accounts.length === 0) say('no account linked yet: run wg-sync withings auth');
    for (const a of accounts) {
      const sides = `withings ${a.sessions.withings ? 'ok' : 'missing'}, garmin ${a.sessions.garmin ? 'ok' : 'missing'}`;
      say(`${a.userId}  linked ${a.linkedAt}  ${sides}${a.unlinkedAt ? `  UNLINKED ${a.unlinkedAt}` : ''}`);
    }
  },
});

const unlink = defineCommand({
  meta: { name: 'unlink', description: 'forget an account’s tokens and state (its upload ledger is kept)' },
  args: { ...globalArgs, user: { type: 'positional', required: true, description: 'the Withings user id' } },
  async run({ args }) {
    const ctx = await openContext(args);
    await ctx.sync.accounts.unlink(args.user);
    say(`user ${args.user} unlinked`);
  },
});

export const accounts = defineCommand({
  meta: { name: 'accounts', description: 'list or unlink linked accounts' },
  subCommands: { list, unlink },
  default: 'list',
});
