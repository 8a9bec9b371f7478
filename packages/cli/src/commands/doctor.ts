import type { DoctorCheck } from '@wg-sync/core';
import { defineCommand } from 'citty';
import { globalArgs, openContext } from '../context.js';
import { EXIT } from '../errors.js';
import { printJson, say } from '../terminal.js';

const mark = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;
const line = (c: DoctorCheck) =>
  `  ${mark[c.status]}  ${c.name}: ${c.detail}${c.fix ? `\n          fix: ${c.fix}` : ''}`;

export const doctor = defineCommand({
  meta: {
    name: 'doctor',
    description:
      'check everything for real (tokens, sessions, webhook, state); safe to share, secrets redacted',
  },
  args: { ...globalArgs, json: { type: 'boolean', description: 'print the report as JSON', default: false } },
  async run({ args }) {
    const ctx = await openContext(args);
    const report = await ctx.sync.doctor();
    if (args.json) printJson(report);
    else {
      say(`wg-sync doctor (${report.checkedAt})`);
      for (const check of report.checks) say(line(check));
      for (const account of report.accounts) {
        say(`Withings user ${account.userId}`);
        for (const check of account.checks) say(line(check));
      }
      say(report.ok ? 'All checks passed.' : 'Some checks failed: see the fixes above.');
    }
    process.exitCode = report.ok ? EXIT.OK : EXIT.FAILED;
  },
});
