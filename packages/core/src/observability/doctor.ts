import type { Engine } from '../context.js';
import { runningGarminLoginCooldowns } from '../destinations/garmin/login-cooldown.js';
import { describeFailure } from '../engine/failures.js';
import { StoreCorruptError } from '../errors.js';
import { webhookUrl } from '../http/webhook-url.js';
import { listPages } from '../store/list-pages.js';
import type { AccountRecord } from '../store/state.js';
import type { ListPage } from '../store/state-store.js';
import { accountChecks } from './doctor-account.js';
import { fail, ok, warn } from './doctor-findings.js';
import type { DoctorCheck, DoctorReport } from './report.js';

/**
 * Real checks, one line each with a fix, safe to share: configuration, the store, and per account the
 * Withings refresh (a real token refresh), the Garmin session (a real API call), the webhook
 * subscription, the last success, pending notifications and the ledger.
 */
export async function doctor(engine: Engine): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const { config } = engine;
  checks.push(
    config.publicUrl
      ? config.publicUrl.startsWith('https://')
        ? ok('public URL', `webhook ${redactedWebhook(engine)}`)
        : warn(
            'public URL',
            'publicUrl is not https',
            'Withings only calls https URLs on port 443: put TLS in front',
          )
      : warn('public URL', 'no publicUrl: webhooks are not checked or re-created', 'set WG_SYNC_PUBLIC_URL'),
    config.apiToken
      ? ok('API token', 'set')
      : warn('API token', 'not set: /sync/manual and /status are off', 'set WG_SYNC_API_TOKEN'),
    config.webhookSecret
      ? ok('webhook secret', 'set')
      : config.publicUrl
        ? fail(
            'webhook secret',
            'not set: anyone who finds the webhook URL can trigger syncs (allowUnauthenticatedWebhook)',
            'set WG_SYNC_WEBHOOK_SECRET (openssl rand -hex 32), then re-subscribe: wg-sync webhook subscribe',
          )
        : warn(
            'webhook secret',
            'not set: anyone who can reach the webhook can trigger syncs',
            'set WG_SYNC_WEBHOOK_SECRET (openssl rand -hex 32)',
          ),
  );
  checks.push(await storeCheck(engine));
  checks.push(...(await loginCooldownChecks(engine)));
  // A page of account records at a time; only the listing's own failure is the 'accounts' check.
  const perAccount: DoctorReport['accounts'] = [];
  const pages = listPages<AccountRecord>(config.store, 'account/');
  let listing: DoctorCheck | undefined;
  for (;;) {
    let next: IteratorResult<ListPage<AccountRecord>>;
    try {
      next = await pages.next();
    } catch (error) {
      const { code, message } = describeFailure(engine, error);
      listing = fail('accounts', `${code}: ${message}`, 'fix or remove the file named in the message');
      break;
    }
    if (next.done) break;
    for (const { value: account } of next.value.entries) {
      perAccount.push({ userId: account.userId, checks: await accountChecks(engine, account) });
    }
  }
  checks.push(
    listing ??
      (perAccount.length > 0
        ? ok('accounts', `${perAccount.length} linked`)
        : fail('accounts', 'no account linked', 'run: wg-sync withings auth && wg-sync garmin login')),
  );
  const all = [...checks, ...perAccount.flatMap((a) => a.checks)];
  const report: DoctorReport = {
    ok: all.every((c) => c.status !== 'fail'),
    checkedAt: config.now().toISOString(),
    checks,
    accounts: perAccount,
  };
  const redacted = engine.redactor.value(report) as DoctorReport;
  logFindings(engine, redacted);
  return redacted;
}

/** One `warn` line per failing check (a doctor run by a scheduler or `serve` must not fail quietly). */
function logFindings(engine: Engine, report: DoctorReport): void {
  const failing = [
    ...report.checks.map((check) => ({ userId: undefined as string | undefined, check })),
    ...report.accounts.flatMap((a) => a.checks.map((check) => ({ userId: a.userId, check }))),
  ].filter(({ check }) => check.status === 'fail');
  for (const { userId, check } of failing) {
    engine.log.warn('doctor.check.failed', {
      ...(userId ? { userId } : {}),
      check: check.name,
      detail: check.detail,
      ...(check.fix ? { fix: check.fix } : {}),
    });
  }
  const summary = {
    failed: failing.map(({ userId, check }) => (userId ? `${userId}:${check.name}` : check.name)),
  };
  if (report.ok) engine.log.info('doctor.completed', summary);
  else engine.log.warn('doctor.completed', summary);
}

/** Garmin sign-ins that are cooling down after a rate limit (per e-mail; the store keeps only a hash). */
async function loginCooldownChecks(engine: Engine): Promise<DoctorCheck[]> {
  let found: Awaited<ReturnType<typeof runningGarminLoginCooldowns>>;
  try {
    found = await runningGarminLoginCooldowns(engine.config.store, engine.config.now());
  } catch (error) {
    const { code, message } = describeFailure(engine, error);
    return [
      fail(
        'Garmin sign-in',
        `cannot read the login cooldowns (${code}: ${message})`,
        'fix the state store named in the message',
      ),
    ];
  }
  return found.map((entry) =>
    entry instanceof StoreCorruptError
      ? fail(
          'Garmin sign-in',
          `${entry.code}: ${entry.message}`,
          `remove ${entry.key} from the state store (it only holds a cooldown)`,
        )
      : warn(
          'Garmin sign-in',
          `Garmin refused a sign-in with RATE_LIMITED (${entry.strikes === 1 ? 'once' : `${entry.strikes} times in a row`}); wg-sync garmin login waits until ${entry.until.toISOString()}`,
          "wait until then (every early attempt re-arms Garmin's limit), or: wg-sync garmin login --force, or --method browser",
        ),
  );
}

async function storeCheck(engine: Engine): Promise<DoctorCheck> {
  const key = 'doctor/probe';
  try {
    const version = await engine.config.store.put(
      key,
      { at: engine.config.now().toISOString() },
      { ttlSeconds: 60 },
    );
    await engine.config.store.delete(key, { ifVersion: version });
    return ok('state store', 'readable and writable');
  } catch (error) {
    const { code, message } = describeFailure(engine, error);
    return fail(
      'state store',
      `${code}: ${message}`,
      'fix the state directory or table named in the message',
    );
  }
}

function redactedWebhook(engine: Engine): string {
  const url = webhookUrl(engine.config) ?? '';
  return engine.config.webhookSecret ? url.replace(engine.config.webhookSecret, '<secret>') : url;
}
