import { defineCommand } from 'citty';
import { exitForFailures, globalArgs, openContext, pickUser } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { interactive, printJson, say } from '../terminal.js';
import { describeReport } from './sync.js';

function day(text: string, name: string, endOfDay = false): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text))
    throw new CliError(`--${name} must be YYYY-MM-DD`, { exitCode: EXIT.USAGE });
  const date = new Date(`${text}T${endOfDay ? '23:59:59' : '00:00:00'}Z`);
  if (Number.isNaN(date.getTime())) throw new CliError(`--${name} is not a date`, { exitCode: EXIT.USAGE });
  return date;
}

export const backfill = defineCommand({
  meta: {
    name: 'backfill',
    description: 'import weigh-in history into Garmin, in batches (one FIT file per batch)',
  },
  args: {
    ...globalArgs,
    from: { type: 'string', required: true, description: 'first day, YYYY-MM-DD (UTC)' },
    to: { type: 'string', description: 'last day, YYYY-MM-DD (default: today)' },
    'batch-size': { type: 'string', description: 'weigh-ins per upload', default: '50' },
    'dry-run': {
      type: 'boolean',
      description: 'count what would be uploaded; write nothing',
      default: false,
    },
    json: { type: 'boolean', description: 'print the SyncReport JSON', default: false },
    user: { type: 'string', description: 'the Withings user (default: the only account)' },
  },
  async run({ args }) {
    const from = day(args.from, 'from');
    const to = args.to ? day(args.to, 'to', true) : undefined;
    const batchSize = Number(args['batch-size']);
    const ctx = await openContext(args);
    const userId = await pickUser(ctx.sync, args.user);
    const bar = (done: number, total: number) => {
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
    };
    const report = await ctx.sync.backfill({
      userId,
      from,
      ...(to ? { to } : {}),
      batchSize,
      dryRun: args['dry-run'],
      onProgress: ({ done, total, failed }) => {
        const line = `${bar(done, total)}${failed ? `  ${failed} failed` : ''}`;
        if (interactive()) process.stderr.write(`\r${line}`);
        else process.stderr.write(`${line}\n`);
      },
    });
    if (interactive()) process.stderr.write('\n');
    if (args.json) printJson(report);
    else for (const line of describeReport(report)) say(line);
    exitForFailures(report.failed);
  },
});
