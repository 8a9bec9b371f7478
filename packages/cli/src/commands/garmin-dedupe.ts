import type { GarminDedupeReport, GarminDedupeSample } from '@wg-sync/core';
import { defineCommand } from 'citty';
import { exitForFailures, globalArgs, openContext, pickUser } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { confirm, interactive, printJson, say } from '../terminal.js';

function day(text: string, name: string, endOfDay = false): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text))
    throw new CliError(`--${name} must be YYYY-MM-DD`, { exitCode: EXIT.USAGE });
  const date = new Date(`${text}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text)
    throw new CliError(`--${name} is not a date`, { exitCode: EXIT.USAGE });
  return date;
}

const instant = (iso: string) => iso.replace('T', ' ').slice(0, 19);

/** The plan as a table: one block per group, the keeper first. */
export function describeDedupe(report: GarminDedupeReport): string[] {
  const duplicates = report.groups.reduce((n, g) => n + g.remove.length, 0);
  const range = `${report.from.slice(0, 10)} … ${report.to.slice(0, 10)}`;
  const lines = [
    `user ${report.userId}: ${report.listed} Garmin weigh-ins ${range}, ${report.groups.length} duplicate groups, ${duplicates} duplicates` +
      (report.declined
        ? ' (not confirmed: nothing deleted)'
        : report.dryRun
          ? ' (dry run: nothing deleted)'
          : ''),
  ];
  if (report.groups.length === 0) return lines;
  const deleted = new Set(report.deleted.map((d) => d.samplePk));
  const failed = new Map(report.failed.map((f) => [f.samplePk, f]));
  const header = ['', 'TAKEN AT (UTC)', 'KG', 'SAMPLE PK', 'SOURCE', 'FIELDS'];
  const rows: string[][] = [];
  const row = (action: string, s: GarminDedupeSample) => [
    action,
    instant(s.takenAt),
    s.weightKg.toFixed(2),
    String(s.samplePk),
    s.sourceType ?? '-',
    s.fields.length === 0 ? '-' : `${s.fields.length}: ${s.fields.join(', ')}`,
  ];
  for (const group of report.groups) {
    rows.push(row('keep', group.keep));
    for (const r of group.remove) {
      const f = failed.get(r.samplePk);
      const action = report.dryRun
        ? 'remove'
        : deleted.has(r.samplePk)
          ? 'deleted'
          : f?.attempted
            ? 'FAILED'
            : 'not tried';
      rows.push(row(action, r));
    }
    rows.push([]);
  }
  rows.pop();
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  lines.push(format(header), ...rows.map((r) => (r.length === 0 ? '' : format(r))));
  for (const l of report.ledger) {
    lines.push(
      `  ledger: group ${l.groupId} ${report.dryRun ? 'would point' : 'points'} at ${l.toSamplePk} (was ${l.fromSamplePk})`,
    );
  }
  for (const f of report.failed) {
    lines.push(
      `  FAILED  ${instant(f.takenAt)}  ${f.weightKg} kg  samplePk ${f.samplePk}  ${f.code}: ${f.message}`,
    );
  }
  if (report.dryRun && !report.declined && duplicates > 0) {
    lines.push(
      `to delete the ${duplicates} duplicates: wg-sync garmin dedupe --from ${report.from.slice(0, 10)} --to ${report.to.slice(0, 10)} --apply`,
    );
  }
  return lines;
}

export const garminDedupeCommand = defineCommand({
  meta: {
    name: 'dedupe',
    description:
      'find weigh-ins stored more than once in Garmin (same instant and weight); --apply deletes all but one of each',
  },
  args: {
    ...globalArgs,
    from: { type: 'string', description: 'first day, YYYY-MM-DD (UTC; default: ten years back)' },
    to: { type: 'string', description: 'last day, YYYY-MM-DD (UTC; default: today)' },
    'dry-run': {
      type: 'boolean',
      description: 'show the plan; delete nothing (what runs without --apply)',
      default: false,
    },
    apply: {
      type: 'boolean',
      description: 'delete the duplicates (asks first, unless --yes)',
      default: false,
    },
    yes: { type: 'boolean', description: 'with --apply: delete without asking', default: false },
    json: { type: 'boolean', description: 'print the GarminDedupeReport JSON', default: false },
    user: { type: 'string', description: 'the Withings user (default: the only account)' },
  },
  async run({ args }) {
    if (args.apply && args['dry-run'])
      throw new CliError('--apply and --dry-run contradict each other', {
        exitCode: EXIT.USAGE,
        fix: 'wg-sync garmin dedupe (a dry run), then wg-sync garmin dedupe --apply',
      });
    if (args.yes && !args.apply)
      throw new CliError('--yes only means something with --apply', {
        exitCode: EXIT.USAGE,
        fix: 'wg-sync garmin dedupe --apply --yes',
      });
    // Refused before anything is read: nobody could answer the question.
    if (args.apply && !args.yes && !interactive())
      throw new CliError('--apply asks before deleting, and there is no terminal to ask on', {
        exitCode: EXIT.USAGE,
        fix: 'look at the plan (wg-sync garmin dedupe), then: wg-sync garmin dedupe --apply --yes',
      });
    const from = args.from ? day(args.from, 'from') : undefined;
    const to = args.to ? day(args.to, 'to', true) : undefined;
    if (from && to && to < from) throw new CliError('--to is before --from', { exitCode: EXIT.USAGE });
    // Reads and deletes in Garmin only: the Withings client secret is not needed.
    const ctx = await openContext(args, {}, { withingsOptional: true });
    const userId = await pickUser(ctx.sync, args.user);
    const report = await ctx.sync.garmin.dedupe({
      userId,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      apply: args.apply,
      confirm: async (plan) => {
        if (args.yes) return true;
        // On stderr: stdout stays for the result (--json must stay parseable).
        for (const line of describeDedupe(plan)) process.stderr.write(`${line}\n`);
        const count = plan.groups.reduce((n, g) => n + g.remove.length, 0);
        return confirm(`Delete these ${count} duplicate weigh-ins from Garmin?`, false);
      },
    });
    if (args.json) printJson(report);
    else for (const line of describeDedupe(report)) say(line);
    exitForFailures(
      report.failed.map((f) => ({ code: f.code, message: f.message, side: 'garmin' as const })),
    );
  },
});
