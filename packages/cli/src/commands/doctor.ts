import type { DoctorCheck, DoctorReport } from '@wg-sync/core';
import { defineCommand } from 'citty';
import { type GlobalFlags, globalArgs, openContext, openStore } from '../context.js';
import { configDir, loadEnvironment } from '../environment.js';
import { EXIT, explain } from '../errors.js';
import { printJson, say } from '../terminal.js';

const mark = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;
const line = (c: DoctorCheck) =>
  `  ${mark[c.status]}  ${c.name}: ${c.detail}${c.fix ? `\n          fix: ${c.fix}` : ''}`;

const fail = (name: string, detail: string, fix?: string): DoctorCheck => ({
  name,
  status: 'fail',
  detail,
  ...(fix ? { fix } : {}),
});

/**
 * Without the Withings client variables, core's doctor still runs (store, accounts, Garmin sessions,
 * health) with Withings cut off; the checks that needed Withings say why they were not run.
 */
function withoutWithings(report: DoctorReport, missing: string[]): DoctorReport {
  const notSet = `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`;
  const fix = 'set them in the environment or in <config dir>/config.env (see: wg-sync help env)';
  const accounts = report.accounts.map((account) => ({
    ...account,
    checks: account.checks.map((check) =>
      check.name === 'Withings token'
        ? fail('Withings token', `not checked: ${notSet}`, fix)
        : check.name === 'subscription' && check.detail.startsWith('could not list')
          ? { ...check, detail: `not checked: ${notSet}`, fix }
          : check,
    ),
  }));
  return {
    ...report,
    ok: false,
    checks: [fail('configuration', notSet, fix), ...report.checks],
    accounts,
  };
}

/**
 * The configuration is invalid beyond the Withings variables (a malformed value): no engine can be
 * made, but the store can still be looked at.
 */
async function configurationReport(flags: GlobalFlags, error: unknown): Promise<DoctorReport> {
  const { message, fix } = explain(error);
  const checks: DoctorCheck[] = [fail('configuration', message.replace(/^configuration: /, ''), fix)];
  try {
    const dir = configDir(flags['config-dir'], process.env);
    const env = await loadEnvironment(dir, flags['env-file'] ? { envFile: flags['env-file'] } : {});
    const missing = ['WITHINGS_CLIENT_ID', 'WITHINGS_CLIENT_SECRET'].filter((name) => !env[name]?.trim());
    if (missing.length > 0) {
      checks.push(
        fail(
          'Withings client',
          `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
          'set them in the environment or in <config dir>/config.env (see: wg-sync help env)',
        ),
      );
    }
    const store = await openStore(flags.store, dir, env);
    const accounts = await store.list('account/');
    checks.push({ name: 'state store', status: 'ok', detail: 'readable' });
    checks.push(
      accounts.length > 0
        ? {
            name: 'accounts',
            status: 'warn',
            detail: `${accounts.length} linked; not checked further until the configuration is fixed`,
          }
        : fail('accounts', 'no account linked', 'run: wg-sync withings auth && wg-sync garmin login'),
    );
  } catch (storeError) {
    const shown = explain(storeError);
    checks.push(fail('state store', shown.message, shown.fix));
  }
  return { ok: false, checkedAt: new Date().toISOString(), checks, accounts: [] };
}

export const doctor = defineCommand({
  meta: {
    name: 'doctor',
    description:
      'check everything for real (tokens, sessions, webhook, state); safe to share, secrets redacted',
  },
  args: { ...globalArgs, json: { type: 'boolean', description: 'print the report as JSON', default: false } },
  async run({ args }) {
    let report: DoctorReport;
    try {
      const ctx = await openContext(args, {}, { withingsOptional: true });
      const checked = await ctx.sync.doctor();
      report = ctx.missingWithings.length > 0 ? withoutWithings(checked, ctx.missingWithings) : checked;
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      const { exitCode } = explain(error);
      // A configuration problem is what doctor is for: a failed check, not a refusal to look.
      if (code === 'INVALID_CONFIG' || exitCode === EXIT.USAGE)
        report = await configurationReport(args, error);
      else if (args.json) {
        // --json always answers JSON, whatever failed.
        const shown = explain(error);
        printJson({
          ok: false,
          checkedAt: new Date().toISOString(),
          checks: [fail('doctor', shown.message, shown.fix)],
          accounts: [],
        } satisfies DoctorReport);
        process.exitCode = exitCode;
        return;
      } else throw error;
    }
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
