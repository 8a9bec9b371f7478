import type { WithingsClient } from '@wg-sync/withings';
import type { Engine } from '../context.js';
import { garminClientFor, withingsClientFor } from '../engine/clients.js';
import { describeFailure } from '../engine/failures.js';
import { needsSignIn } from '../error-codes.js';
import { webhookUrl } from '../http/webhook-url.js';
import {
  type AccountRecord,
  type HealthRecord,
  type IntervalsCredentials,
  keys,
  type PendingRecord,
} from '../store/state.js';
import { fail, garminProblem, lastErrorCheck, ok, warn } from './doctor-findings.js';
import type { DoctorCheck } from './report.js';

// Doctor's checks of one linked account: its state, both sides' credentials (used for real; the
// intervals.icu key too when it is linked), the
// webhook subscription, the last success and error, pending notifications and the ledger.

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** The checks of one account; an unlinked account or unreadable state stops at that one line. */
export async function accountChecks(engine: Engine, account: AccountRecord): Promise<DoctorCheck[]> {
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
  checks.push(...(await intervalsChecks(engine, userId, fetchImpl)));
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

/** intervals.icu, for an account that linked it: its key used for real (one athlete read). */
async function intervalsChecks(
  engine: Engine,
  userId: string,
  fetchImpl: typeof fetch,
): Promise<DoctorCheck[]> {
  const stored = await engine.config.store.get<IntervalsCredentials>(keys.intervalsCredentials(userId));
  if (!stored) return [];
  engine.redactor.add(stored.value.apiKey);
  const { IntervalsClient } = await import('@wg-sync/intervals');
  const options = engine.config.intervals;
  try {
    const athlete = await new IntervalsClient({
      apiKey: stored.value.apiKey,
      athleteId: stored.value.athleteId,
      fetch: fetchImpl,
      ...(options?.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options?.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    }).getAthlete();
    return [
      athlete.timezone
        ? ok('intervals.icu key', `valid (days in ${athlete.timezone})`)
        : warn(
            'intervals.icu key',
            'valid, but the athlete has no time zone: days are taken in the account’s own',
            'set it in intervals.icu → Settings',
          ),
    ];
  } catch (error) {
    const { code, message } = describeFailure(engine, error);
    return [
      fail(
        'intervals.icu key',
        `${code}: ${message}`,
        needsSignIn(code) ? 'run: wg-sync intervals link' : 'try again later',
      ),
    ];
  }
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
