import type { HeldWeighIn } from '@wg-sync/core';
import { defineCommand } from 'citty';
import { exitForFailures, globalArgs, openContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { printJson, say } from '../terminal.js';
import { describeReport } from './sync.js';

const json = { json: { type: 'boolean', description: 'print JSON', default: false } } as const;
const idArg = {
  id: { type: 'positional', required: true, description: 'the held weigh-in’s id (wg-sync held list)' },
} as const;

/** One line per held weigh-in: its id first, then what a person recognises it by. */
export function describeHeld(held: HeldWeighIn): string {
  const fields = Object.entries(held.fields)
    .map(([name, value]) => `${name} ${Math.round(value * 100) / 100}`)
    .join(', ');
  const why =
    held.reason === 'ambiguous' ? 'Withings could not tell whose it is' : 'outside the usual weight';
  return `${held.id}  ${held.takenAt}  ${held.weightKg} kg${fields ? `  ${fields}` : ''}  (user ${held.userId}; ${why}; expires ${held.expiresAt.slice(0, 10)})`;
}

/** A held id no account holds: a usage error, with the way to the ids that exist. */
function notHeld(error: unknown): never {
  if ((error as { code?: unknown })?.code !== 'NOT_FOUND') throw error;
  throw new CliError((error as Error).message, {
    exitCode: EXIT.USAGE,
    fix: 'wg-sync held list shows the ids held now',
    cause: error,
  });
}

const list = defineCommand({
  meta: { name: 'list', description: 'list the weigh-ins held for a person to answer (oldest first)' },
  args: {
    ...globalArgs,
    ...json,
    user: { type: 'string', description: 'only this Withings user (default: every linked account)' },
  },
  async run({ args }) {
    // Reads the store only: the Withings client secret is not needed here.
    const ctx = await openContext(args, {}, { withingsOptional: true });
    const held = await ctx.sync.held.list(args.user);
    if (args.json) return printJson(held);
    if (held.length === 0) return say('nothing is held');
    for (const h of held) say(describeHeld(h));
    say('');
    say('this was me: wg-sync held assign <id>   not me: wg-sync held dismiss <id>');
  },
});

const assign = defineCommand({
  meta: {
    name: 'assign',
    description:
      '“this was me”: write the held weigh-in to the account’s destinations, with its own time and every field',
  },
  args: { ...globalArgs, ...json, ...idArg },
  async run({ args }) {
    const ctx = await openContext(args);
    const report = await ctx.sync.held.assign(args.id).catch(notHeld);
    if (args.json) printJson(report);
    else {
      for (const line of describeReport(report)) say(line);
      if (report.held?.assigned.includes(args.id)) say(`${args.id} assigned: no longer held`);
      for (const other of report.held?.dismissed ?? [])
        say(`${other} dismissed: the same weigh-in, held by another account`);
      if (report.failed.length > 0) say(`${args.id} stays held: run wg-sync held assign ${args.id} again`);
    }
    exitForFailures(report.failed);
  },
});

const dismiss = defineCommand({
  meta: {
    name: 'dismiss',
    description: '“not me”: forget the held weigh-in for good (it is never held again)',
  },
  args: { ...globalArgs, ...idArg },
  async run({ args }) {
    const ctx = await openContext(args, {}, { withingsOptional: true });
    await ctx.sync.held.dismiss(args.id).catch(notHeld);
    say(`${args.id} dismissed`);
  },
});

/** `wg-sync held list|assign|dismiss`. */
export const held = defineCommand({
  meta: {
    name: 'held',
    description:
      'weigh-ins held because Withings could not tell whose they are: list, assign or dismiss them',
  },
  subCommands: { list, assign, dismiss },
  default: 'list',
});
