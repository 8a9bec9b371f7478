import type { WithingsClient } from '@wg-sync/withings';
import { raiseAlert } from '../observability/health.js';
import { type AccountRecord, keys, update } from '../store/state.js';
import { isReauth } from './failures.js';
import { recordError, recordFailed, type SyncRun } from './run.js';

/**
 * A notification said the user unlinked wg-sync. Anyone can send that, so it is believed only when
 * Withings refuses the account's token (an unlink revokes it). A missing subscription alone proves
 * nothing: Withings also drops subscriptions after failed deliveries, and reconcile restores those.
 * @returns false when the account is now marked unlinked (or the check failed and the sync stops).
 */
export async function confirmStillLinked(run: SyncRun): Promise<boolean> {
  const { engine } = run;
  const { userId } = run.request;
  const withings = run.withings as WithingsClient;
  try {
    await withings.notify.list();
  } catch (error) {
    if (!isReauth(error)) {
      await recordError(run, undefined, error); // pending (and its unlink report) stays: the next sync asks again
      return false;
    }
    const { store } = engine.config;
    await update<AccountRecord>(store, keys.account(userId), (current) => ({
      ...(current as AccountRecord),
      unlinkedAt: current?.unlinkedAt ?? engine.config.now().toISOString(),
    }));
    await store.delete(keys.pending(userId)).catch(() => undefined);
    recordFailed(run, undefined, {
      groupIds: [],
      code: 'UNLINKED',
      message: `user ${userId} unlinked wg-sync in Withings (Withings refuses the token); link again`,
    });
    await raiseAlert(engine, {
      type: 'UNLINKED',
      userId,
      message: `Withings user ${userId} removed wg-sync's access; syncing stopped. Link again with: wg-sync withings auth`,
    });
    return false;
  }
  engine.log.warn('webhook.unlink.unconfirmed', {
    userId,
    detail: 'an unlink notification arrived but Withings still accepts the token: ignored',
  });
  return true;
}
