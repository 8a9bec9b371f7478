import type { Engine } from '../context.js';
import { type HealthRecord, keys, update } from '../store/state.js';
import type { VersionedValue } from '../store/state-store.js';
import type { AlertType, SyncAlert } from './report.js';

const DAY_MS = 86_400_000;

/**
 * Raises an alert unless the same type (and side) was raised for the account within a day: alerts
 * must be noticed, not flood. Logged at `warn`, then handed to `hooks.onAlert`.
 */
export async function raiseAlert(
  engine: Engine,
  input: {
    type: AlertType;
    userId: string;
    message: string;
    side?: 'withings' | 'garmin';
    destination?: string;
  },
): Promise<SyncAlert | undefined> {
  const now = engine.config.now();
  // One destination's alert never silences another's.
  const slot = `${input.side ? `${input.type}:${input.side}` : input.type}${input.destination ? `@${input.destination}` : ''}`;
  let fresh = false;
  await update<HealthRecord>(engine.config.store, keys.health(input.userId), (current) => {
    const last = current?.alerts?.[slot];
    fresh = !last || now.getTime() - Date.parse(last) >= DAY_MS;
    return fresh
      ? { ...current, alerts: { ...current?.alerts, [slot]: now.toISOString() } }
      : (current ?? {});
  });
  if (!fresh) return undefined;
  const alert: SyncAlert = {
    type: input.type,
    userId: input.userId,
    message: engine.redactor.text(input.message),
    at: now.toISOString(),
    ...(input.side ? { side: input.side } : {}),
    ...(input.destination ? { destination: input.destination } : {}),
  };
  engine.log.warn('alert', { ...alert });
  for (const listener of engine.alertListeners) listener(alert);
  await engine.hook('onAlert', alert);
  return alert;
}

/**
 * Records the outcome of a sync attempt in the account's health record.
 * @param read - The record as the sync read it when it started, to swap on without reading it again.
 */
export async function recordAttempt(
  engine: Engine,
  userId: string,
  outcome: {
    ok: boolean;
    error?: { code: string; message: string; side?: 'withings' | 'garmin' };
    clearReauth?: Array<'withings' | 'garmin'>;
  },
  read?: Promise<VersionedValue<HealthRecord> | undefined>,
): Promise<void> {
  const at = engine.config.now().toISOString();
  const options = read ? { first: read } : {};
  await update<HealthRecord>(
    engine.config.store,
    keys.health(userId),
    (current) => {
      const next: HealthRecord = { ...current, lastAttemptAt: at };
      if (outcome.ok) next.lastSuccessAt = at;
      if (outcome.error) next.lastError = { ...outcome.error, at };
      if (outcome.clearReauth?.length && next.reauth) {
        const reauth = { ...next.reauth };
        for (const side of outcome.clearReauth) delete reauth[side];
        next.reauth = reauth;
      }
      return next;
    },
    options,
  );
}

/** Marks a side as needing a new authorization (and alerts once a day). */
export async function needsReauth(
  engine: Engine,
  userId: string,
  side: 'withings' | 'garmin',
  detail: string,
) {
  const at = engine.config.now().toISOString();
  await update<HealthRecord>(engine.config.store, keys.health(userId), (current) => ({
    ...current,
    reauth: { ...current?.reauth, [side]: current?.reauth?.[side] ?? at },
  }));
  const fix =
    side === 'withings'
      ? 'authorize again: wg-sync withings auth'
      : 'sign in again: wg-sync garmin login (or --method browser)';
  return raiseAlert(engine, {
    type: 'REAUTH_REQUIRED',
    userId,
    side,
    message: `${side === 'withings' ? 'Withings' : 'Garmin'} needs a new authorization for user ${userId} (${detail}); ${fix}`,
  });
}
