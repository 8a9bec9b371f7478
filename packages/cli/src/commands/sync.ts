import type { SyncReport } from '@wg-sync/core';
import { defineCommand } from 'citty';
import { exitForFailures, globalArgs, openContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { printJson, say } from '../terminal.js';

/** A short human summary of a report. */
export function describeReport(report: SyncReport): string[] {
  const lines = [
    `user ${report.userId}${report.dryRun ? ' (dry run)' : ''}: ${report.synced.length} synced, ${report.skipped.length} skipped, ${report.failed.length} failed` +
      ` — ${report.upstreamCalls.withings + report.upstreamCalls.garmin} upstream calls, ${report.durationMs} ms`,
  ];
  for (const s of report.synced) {
    lines.push(
      `  ${report.dryRun ? 'would sync' : 'synced'}  ${s.takenAt}  ${s.weightKg ?? ''}${s.weightKg ? ' kg' : ''}  ${s.fields.filter((f) => f !== 'weightKg').join(', ')}`,
    );
  }
  for (const d of report.deleted ?? [])
    lines.push(
      `  ${report.dryRun ? 'would delete' : 'deleted'}  ${d.takenAt}  ${d.weightKg ?? ''}${d.weightKg ? ' kg' : ''}  from ${d.destination}${d.alreadyGone ? ' (already gone)' : ''}`,
    );
  for (const e of report.edited ?? [])
    lines.push(
      `  ${report.dryRun ? 'would replace' : 'replaced'}  ${e.takenAt}  ${e.previousWeightKg ?? '?'} → ${e.weightKg} kg  in ${e.destination}`,
    );
  for (const s of report.skipped)
    lines.push(
      `  skipped ${s.takenAt ?? ''}  ${s.reason}${s.heldId ? `  held: wg-sync held assign|dismiss ${s.heldId}` : ''}`,
    );
  for (const f of report.failed) lines.push(`  FAILED  ${f.takenAt ?? ''}  ${f.code}: ${f.message}`);
  return lines;
}

/** `--sync-deletions` of `sync` and `serve` (env `WG_SYNC_SYNC_DELETIONS=true`). */
export const syncDeletionsArg = {
  'sync-deletions': {
    type: 'boolean',
    description:
      'follow deletions and edits made in Withings (the last 30 days): remove or replace what wg-sync wrote, never anything else',
    default: false,
  },
} as const;

export const sync = defineCommand({
  meta: {
    name: 'sync',
    description: 'sync now: what changed since the last sync, and at least the last N days',
  },
  args: {
    ...globalArgs,
    days: { type: 'string', description: 'look at least this many days back', default: '7' },
    'dry-run': { type: 'boolean', description: 'show what would be uploaded; write nothing', default: false },
    json: { type: 'boolean', description: 'print the SyncReport JSON', default: false },
    ...syncDeletionsArg,
    user: { type: 'string', description: 'only this Withings user (default: every linked account)' },
  },
  async run({ args }) {
    const days = Number(args.days);
    if (!Number.isFinite(days) || days <= 0 || days > 3650)
      throw new CliError('--days must be 1–3650', { exitCode: EXIT.USAGE });
    const ctx = await openContext(args, args['sync-deletions'] ? { syncDeletions: true } : {});
    const users = args.user
      ? [args.user]
      : (await ctx.sync.accounts.list()).filter((a) => !a.unlinkedAt).map((a) => a.userId);
    if (users.length === 0)
      throw new CliError('no account linked yet', {
        exitCode: EXIT.USAGE,
        fix: 'run: wg-sync withings auth',
      });
    const reports: SyncReport[] = [];
    for (const userId of users)
      reports.push(await ctx.sync.syncRecent({ userId, days, dryRun: args['dry-run'] }));
    if (args.json) printJson(reports.length === 1 ? reports[0] : reports);
    else for (const report of reports) for (const line of describeReport(report)) say(line);
    exitForFailures(reports.flatMap((r) => r.failed));
  },
});
