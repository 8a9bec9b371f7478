import type { WithingsClient } from '@wg-sync/withings';
import { garminClientFor, withingsClientFor } from './clients.js';
import type { Engine } from './context.js';
import { fail, garminProblem, lastErrorCheck, ok, warn } from './doctor-findings.js';
import { needsSignIn } from './error-codes.js';
import { StoreCorruptError } from './errors.js';
import { describeFailure } from './failures.js';
import { runningGarminLoginCooldowns } from './garmin-login-cooldown.js';
import type { DoctorCheck, DoctorReport } from './report.js';
import { type AccountRecord, type HealthRecord, keys, type PendingRecord } from './state.js';
import { webhookUrl } from './webhook-url.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

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
  let accounts: Array<{ value: AccountRecord }> = [];
  try {
    accounts = await config.store.list<AccountRecord>('account/');
    checks.push(
      accounts.length > 0
        ? ok('accounts', `${accounts.length} linked`)
        : fail('accounts', 'no account linked', 'run: wg-sync withings auth && wg-sync garmin login'),
    );
  } catch (error) {
    const { code, message } = describeFailure(engine, error);
    checks.push(fail('accounts', `${code}: ${message}`, 'fix or remove the file named in the message'));
  }
  const perAccount: DoctorReport['accounts'] = [];
  for (const { value: account } of accounts) {
    perAccount.push({ userId: account.userId, checks: await accountChecks(engine, account) });
  }
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

async function accountChecks(engine: Engine, account: AccountRecord): Promise<DoctorCheck[]> {
  const { store } = engine.config;
  const { userId } = account;
  const checks: DoctorCheck[] = [];
  if (account.unlinkedAt) {
    return [
      fail(
        'linked',
        `the user unlinked wg-sync in Withings on ${account.unlinkedAt}`,
        'link again: wg-sync withings auth',
      ),
    ];
  }
  const stateKeys = [keys.withingsTokens, keys.garminSession, keys.cursor, keys.pending, keys.health].map(
    (k) => k(userId),
  );
  const unreadable: string[] = [];
  for (const key of stateKeys) {
    try {
      await store.get(key);
    } catch (error) {
      unreadable.push(describeFailure(engine, error).message);
    }
  }
  if (unreadable.length > 0) {
    return [fail('state', unreadable.join('; '), 'fix or remove the file named above (nothing was changed)')];
  }
  checks.push(ok('state', `${stateKeys.length} entries readable`));
  const fetchImpl = engine.config.fetch ?? globalThis.fetch;
  const [withings, garmin] = await Promise.all([
    withingsClientFor(engine, userId, fetchImpl),
    garminClientFor(engine, userId, fetchImpl),
  ]);
  if (!withings) checks.push(fail('Withings token', 'no stored tokens', 'run: wg-sync withings auth'));
  else {
    try {
      const tokens = await withings.refresh();
      checks.push(
        ok('Withings token', `refreshed; access token valid until ${tokens.expiresAt.toISOString()}`),
      );
    } catch (error) {
      const { code, message } = describeFailure(engine, error);
      checks.push(
        fail(
          'Withings token',
          `${code}: ${message}`,
          needsSignIn(code) ? 'run: wg-sync withings auth' : 'try again later',
        ),
      );
    }
  }
  if (!garmin) checks.push(fail('Garmin session', 'no stored session', 'run: wg-sync garmin login'));
  else {
    try {
      const { displayName } = await garmin.verifySession();
      checks.push(ok('Garmin session', `valid (profile ${displayName ? 'found' : 'empty'})`));
    } catch (error) {
      const { code, message } = describeFailure(engine, error);
      const plain = garminProblem(code, message);
      checks.push(
        fail(
          'Garmin session',
          plain ? `${plain.what} (${code}: ${message})` : `${code}: ${message}`,
          plain?.fix ?? 'try again later',
        ),
      );
    }
  }
  const health = (await store.get<HealthRecord>(keys.health(userId)))?.value;
  checks.push(...(await subscriptionChecks(engine, withings, health)));
  const now = engine.config.now().getTime();
  if (health?.lastSuccessAt) {
    const days = (now - Date.parse(health.lastSuccessAt)) / DAY_MS;
    checks.push(
      days < engine.config.staleAfterDays
        ? ok('last success', health.lastSuccessAt)
        : warn(
            'last success',
            `${health.lastSuccessAt} (${Math.floor(days)} days ago; last error ${health.lastError?.code ?? 'none'})`,
            'run: wg-sync sync',
          ),
    );
  } else {
    checks.push(warn('last success', 'never synced yet', 'run: wg-sync sync'));
  }
  const lastError = health?.lastError;
  if (lastError && (!health.lastSuccessAt || lastError.at > health.lastSuccessAt)) {
    checks.push(lastErrorCheck(lastError, health));
  }
  const pending = (await store.get<PendingRecord>(keys.pending(userId)))?.value;
  checks.push(
    !pending
      ? ok('pending notifications', 'none')
      : now - Date.parse(pending.firstAt) > HOUR_MS
        ? warn(
            'pending notifications',
            `${pending.count} since ${pending.firstAt}`,
            'run: wg-sync sync (or check the last error)',
          )
        : ok('pending notifications', `${pending.count} waiting`),
  );
  const ledger = await store.list(keys.ledgerPrefix(userId));
  checks.push(ok('ledger', `${ledger.length} synced groups remembered`));
  return checks;
}

/**
 * The webhook subscription: what Withings lists now, and what reconcile last recorded. A recorded
 * loss (`SUBSCRIPTION_LOST`) fails the check unless Withings now lists the subscription again.
 */
async function subscriptionChecks(
  engine: Engine,
  withings: WithingsClient | undefined,
  health: HealthRecord | undefined,
): Promise<DoctorCheck[]> {
  const callbackUrl = webhookUrl(engine.config);
  const lost = health?.subscription?.lostAt ? health.subscription : undefined;
  const subscribe = `wg-sync webhook subscribe ${engine.config.publicUrl ?? '<url>'}`;
  const lostCheck = () => {
    const code = lost?.error?.code ?? 'UNKNOWN';
    const why =
      code === 'CALLBACK_UNREACHABLE'
        ? 'Withings could not reach the callback URL'
        : needsSignIn(code)
          ? 'Withings refused the token'
          : 'Withings failed';
    return fail(
      'subscription',
      `SUBSCRIPTION_LOST: reconcile could not re-create the webhook subscription on ${lost?.lostAt} (${why}: ${code}${lost?.error?.message ? `, ${lost.error.message}` : ''}); Withings sends no notifications, weigh-ins wait for the next reconcile`,
      needsSignIn(code)
        ? `authorize again (wg-sync withings auth), then run: ${subscribe}`
        : `check the callback is reachable from the internet (HEAD answers 2xx), then run: ${subscribe}`,
    );
  };
  if (!callbackUrl) {
    return [
      lost ? lostCheck() : warn('subscription', 'not checked (no publicUrl)', 'set WG_SYNC_PUBLIC_URL'),
    ];
  }
  if (!withings) return lost ? [lostCheck()] : [];
  try {
    const present = await withings.notify.list();
    if (present.some((p) => p.appli === 1 && p.callbackUrl === callbackUrl)) {
      return [ok('subscription', 'Withings notifies the webhook')];
    }
    return [
      lost
        ? lostCheck()
        : fail(
            'subscription',
            'Withings has no subscription for the webhook',
            `run: ${subscribe} (reconcile also restores it)`,
          ),
    ];
  } catch (error) {
    const { code } = describeFailure(engine, error);
    return [
      lost ? lostCheck() : warn('subscription', `could not list subscriptions (${code})`, 'try again later'),
    ];
  }
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
