import type { AccountHealth, AccountStatus } from './status.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Notifications waiting longer than this need a look (a webhook sync runs within minutes). */
const PENDING_TOO_LONG_MS = HOUR_MS;
const SIDE = { withings: 'Withings', garmin: 'Garmin' } as const;

/**
 * The one-glance verdict of an account, from what `GET /status` shows of it (so the page and the
 * JSON can never disagree): `broken` when it cannot sync until a person acts, `attention` when it
 * syncs but something needs a look, else `ok`. Each finding is one plain sentence.
 */
export function accountHealth(
  account: Omit<AccountStatus, 'health'>,
  { now, staleAfterDays }: { now: Date; staleAfterDays: number },
): AccountHealth {
  const broken: string[] = [];
  const attention: string[] = [];
  if (account.unlinkedAt) {
    broken.push('The account was unlinked in Withings; link it again with wg-sync withings auth.');
    return { level: 'broken', reasons: broken };
  }
  for (const side of account.reauthRequired) {
    const name = SIDE[side as keyof typeof SIDE] ?? side;
    broken.push(`${name} needs a new sign-in before syncs can resume.`);
  }
  if (!account.withings) broken.push('No Withings tokens are stored: run wg-sync withings auth.');
  if (!account.garmin && !account.intervals)
    broken.push('No destination is linked: run wg-sync garmin login.');
  const last = account.lastSuccessAt ?? account.linkedAt;
  const quietDays = (now.getTime() - Date.parse(last)) / DAY_MS;
  if (quietDays >= staleAfterDays) broken.push(`No successful sync for ${Math.floor(quietDays)} days.`);
  if (account.lastError && account.lastAttemptAt && account.lastError.at >= (account.lastSuccessAt ?? ''))
    attention.push(`The last sync failed: ${account.lastError.message}`);
  if (account.subscription && !account.subscription.present)
    attention.push('The Withings webhook subscription is lost: new weigh-ins wait for the next reconcile.');
  if (account.pending && now.getTime() - Date.parse(account.pending.since) > PENDING_TOO_LONG_MS)
    attention.push(`${account.pending.count} notification(s) have waited for more than an hour.`);
  if (account.held.length > 0)
    attention.push(
      `${account.held.length} held weigh-in(s) wait for you to say whose they are (wg-sync held list, or this page).`,
    );
  if (broken.length) return { level: 'broken', reasons: [...broken, ...attention] };
  if (attention.length) return { level: 'attention', reasons: attention };
  return { level: 'ok', reasons: [] };
}
