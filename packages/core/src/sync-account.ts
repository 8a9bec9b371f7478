import type { MeasureGroup, WeighIn } from '@wg-sync/withings';
import { syncBloodPressure } from './blood-pressure.js';
import { countingFetch, garminClientFor, withingsClientFor } from './clients.js';
import { confirmStillLinked } from './confirm-unlink.js';
import type { Engine } from './context.js';
import { isSyncError } from './errors.js';
import { describeFailure, isReauth, sideOf } from './failures.js';
import { needsReauth, recordAttempt } from './health.js';
import { findMatch } from './read-back.js';
import { sinceOf } from './read-window.js';
import type { SkipReason, SyncReport, SyncTrigger } from './report.js';
import { type AccountRecord, type CursorRecord, keys, type PendingRecord, update } from './state.js';
import { uploadBatch, writeLedger } from './upload-batch.js';
import { sentFields, toGarminEntry } from './weight-entry.js';

const DAY_MS = 86_400_000;
const MAX_FIT_WEIGHT_KG = 655.34;
const HEIGHT_RECHECK_MS = 30 * DAY_MS;

/** One sync request for one account. */
export interface SyncRequest {
  userId: string;
  trigger: SyncTrigger;
  dryRun: boolean;
  maxEntries: number;
  /**
   * A person's request (`syncRecent`, `/sync/manual`): fetch at least everything created or changed
   * since this instant (widens the cursor, never narrows). Ignored for webhook triggers: a
   * notification can ask for a sync, never say what it reads.
   */
  since?: Date;
  /** Backfill: every weigh-in measured in this range, uploaded in batches; the cursor does not move. */
  backfill?: { from: Date; to: Date; batchSize: number; onProgress?: (progress: BackfillProgress) => void };
}

/** Progress of a backfill, reported after each batch. */
export interface BackfillProgress {
  total: number;
  done: number;
  synced: number;
  failed: number;
}

/**
 * The sync for one account, step by step: tokens → (Withings getmeas ‖ Garmin range read) → merge and
 * filter → skip what the ledger or Garmin already has → cap → FIT uploads per batch (each file within
 * `config.upload`'s entry and byte caps) → read back → ledger → cursor (only when nothing failed).
 * Runs under the coordinator's lease.
 */
export async function syncAccount(engine: Engine, request: SyncRequest): Promise<SyncReport> {
  const state: RunState = { report: undefined };
  try {
    return await runSync(engine, request, state);
  } catch (error) {
    // A broken store (corrupt file, unreachable table) is reported like any failure: surfaced, never hidden.
    if (!isSyncError(error) || !state.report || !state.finish) throw error;
    state.report.failed.push({ groupIds: [], ...describeFailure(engine, error) });
    return state.finish({ ok: false });
  }
}

interface RunState {
  report: SyncReport | undefined;
  finish?: (outcome: { ok: boolean }) => Promise<SyncReport>;
}

async function runSync(engine: Engine, request: SyncRequest, state: RunState): Promise<SyncReport> {
  const { store } = engine.config;
  const { userId } = request;
  const startedAt = engine.config.now();
  const t0 = performance.now();
  const counters = { withings: { calls: 0 }, garmin: { calls: 0 } };
  const report: SyncReport = {
    userId,
    trigger: request.trigger,
    dryRun: request.dryRun,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    synced: [],
    skipped: [],
    failed: [],
    upstreamCalls: { withings: 0, garmin: 0 },
    coalesced: false,
  };
  const finish = async (outcome: { ok: boolean }) => {
    report.upstreamCalls = { withings: counters.withings.calls, garmin: counters.garmin.calls };
    report.durationMs = Math.round(performance.now() - t0);
    if (!request.dryRun) {
      const error = report.failed[0];
      await recordAttempt(engine, userId, {
        ok: outcome.ok && report.failed.length === 0,
        ...(error
          ? {
              error: {
                code: error.code,
                message: error.message,
                ...(error.side ? { side: error.side } : {}),
              },
            }
          : {}),
        ...(outcome.ok ? { clearReauth: ['withings', 'garmin'] } : {}),
      });
      for (const failure of report.failed)
        await engine.hook('onError', { code: failure.code, message: failure.message, userId });
      if (report.synced.length > 0) await engine.hook('onSynced', report);
    }
    await engine.hook('onReport', report);
    engine.log.info('sync.completed', {
      userId,
      trigger: report.trigger,
      dryRun: report.dryRun,
      synced: report.synced.length,
      skipped: report.skipped.length,
      failed: report.failed.length,
      failures: report.failed.map((f) => f.code),
      upstreamCalls: report.upstreamCalls,
      durationMs: report.durationMs,
    });
    return report;
  };
  state.report = report;
  state.finish = finish;
  const failStep = async (error: unknown, groupIds: string[] = []) => {
    const failure = describeFailure(engine, error);
    const side = sideOf(error);
    report.failed.push({ groupIds, ...failure, ...(side ? { side } : {}) });
    if (side && isReauth(error)) await needsReauth(engine, userId, side, failure.message);
  };

  const account = await store.get<AccountRecord>(keys.account(userId));
  if (!account || account.value.unlinkedAt) {
    report.failed.push({
      groupIds: [],
      code: account ? 'UNLINKED' : 'ACCOUNT_NOT_FOUND',
      message: account
        ? `user ${userId} unlinked wg-sync in Withings; link again`
        : `no linked account for user ${userId}`,
    });
    return finish({ ok: false });
  }
  const baseFetch = engine.config.fetch ?? globalThis.fetch;
  const [withings, garmin] = await Promise.all([
    withingsClientFor(engine, userId, countingFetch(baseFetch, counters.withings)),
    garminClientFor(engine, userId, countingFetch(baseFetch, counters.garmin)),
  ]);
  if (!withings || !garmin) {
    const side = withings ? 'garmin' : 'withings';
    report.failed.push({
      groupIds: [],
      code: 'REAUTH_REQUIRED',
      message: `no ${side} session for user ${userId}`,
    });
    await needsReauth(engine, userId, side, 'no stored session');
    return finish({ ok: false });
  }

  const now = engine.config.now();
  const [cursor, pending] = await Promise.all([
    store.get<CursorRecord>(keys.cursor(userId)),
    store.get<PendingRecord>(keys.pending(userId)),
  ]);
  if (pending?.value.unlinkReportedAt && !request.dryRun) {
    const linked = await confirmStillLinked(engine, withings, userId, report, failStep);
    if (!linked) return finish({ ok: false });
  }
  const lastUpdate = request.backfill ? undefined : sinceOf(engine, request, now, cursor?.value);
  const listFrom = request.backfill?.from ?? (lastUpdate as Date);
  const listTo = request.backfill?.to ?? new Date(now.getTime() + 3600_000);
  const heightDue =
    account.value.heightCheckedAt === undefined ||
    now.getTime() - Date.parse(account.value.heightCheckedAt) > HEIGHT_RECHECK_MS;

  // Independent calls go out together: the Withings fetch, Garmin's view of the same dates, the height.
  const [measured, listed, height] = await Promise.allSettled([
    withings.getMeasures(
      request.backfill ? { startDate: request.backfill.from, endDate: request.backfill.to } : { lastUpdate },
    ),
    garmin.listWeighIns({ from: listFrom, to: listTo }),
    heightDue ? withings.getMeasures({ types: [4] }) : Promise.resolve(undefined),
  ]);
  if (measured.status === 'rejected') {
    await failStep(measured.reason);
    return finish({ ok: false });
  }
  if (listed.status === 'rejected') {
    // Without Garmin's view a retry could duplicate: nothing is uploaded, everything is retried later.
    await failStep(listed.reason);
    return finish({ ok: false });
  }
  const heightM = heightFrom(height) ?? account.value.heightM;
  const { groups, updateTime, timeZone } = measured.value;
  let garminWeighIns = listed.value;

  const { toWeighIns } = await import('@wg-sync/withings');
  const { weighIns, excluded } = toWeighIns(groups, {
    attributions: engine.config.attributions,
    includeManual: engine.config.includeManual,
  });
  const bloodPressureGroups: MeasureGroup[] = [];
  for (const { groupId, reason } of excluded) {
    const group = groups.find((g) => g.groupId === groupId);
    if (engine.config.bloodPressure && reason === 'no-weight' && group && isBloodPressure(group)) {
      bloodPressureGroups.push(group);
      continue;
    }
    report.skipped.push({
      groupIds: [groupId],
      ...(group ? { takenAt: group.takenAt.toISOString() } : {}),
      reason: reason as SkipReason,
    });
  }

  // 4a. What the ledger already has.
  const ledgerHits = await Promise.all(
    weighIns.map(async (w) =>
      (await Promise.all(w.groupIds.map((id) => store.get(keys.ledger(userId, id))))).some(Boolean),
    ),
  );
  let candidates: WeighIn[] = [];
  for (const [i, w] of weighIns.entries()) {
    if (!ledgerHits[i]) {
      candidates.push(w);
      continue;
    }
    report.skipped.push({
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      reason: 'duplicate-ledger',
    });
    if (!request.dryRun) await writeLedger(engine, userId, w, 'found'); // a group merged in later joins the ledger
  }

  // 4b. What Garmin already has (late arrivals can be older than the range read above: read once more).
  const oldest = Math.min(...candidates.map((w) => w.takenAt.getTime()));
  if (candidates.length > 0 && oldest < listFrom.getTime()) {
    try {
      garminWeighIns = [
        ...garminWeighIns,
        ...(await garmin.listWeighIns({ from: new Date(oldest - DAY_MS), to: listFrom })),
      ];
    } catch (error) {
      await failStep(
        error,
        candidates.flatMap((w) => w.groupIds),
      );
      return finish({ ok: false });
    }
  }
  const claimed = new Set<number>();
  const notInGarmin: WeighIn[] = [];
  for (const w of candidates) {
    const match = findMatch(w, garminWeighIns, engine.config.dedup, claimed);
    if (!match) {
      notInGarmin.push(w);
      continue;
    }
    claimed.add(match.samplePk);
    report.skipped.push({
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      reason: 'duplicate-garmin',
    });
    if (!request.dryRun) await writeLedger(engine, userId, w, 'found', match.samplePk);
  }
  candidates = notInGarmin;
  candidates = candidates.filter((w) => {
    if (w.weightKg <= MAX_FIT_WEIGHT_KG) return true;
    report.failed.push({
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      code: 'INVALID_VALUE',
      message: `weight ${w.weightKg} kg is more than Garmin can store (655.34 kg)`,
    });
    return false;
  });

  // 5. Cap (backfill uploads everything, in batches).
  const cap = request.backfill ? candidates.length : request.maxEntries;
  for (const w of candidates.slice(cap)) {
    report.skipped.push({ groupIds: w.groupIds, takenAt: w.takenAt.toISOString(), reason: 'cap' });
  }
  const toUpload = candidates.slice(0, cap);

  if (request.dryRun) {
    for (const w of toUpload) {
      const entry = toGarminEntry(w, heightM);
      report.synced.push({
        groupIds: w.groupIds,
        takenAt: w.takenAt.toISOString(),
        weightKg: w.weightKg,
        fields: sentFields(entry),
      });
    }
    return finish({ ok: true });
  }

  // 6–8. Upload, read back, ledger.
  const existing = new Set(garminWeighIns.map((g) => g.samplePk));
  const batchSize = request.backfill?.batchSize ?? Math.max(1, toUpload.length);
  for (let start = 0; start < toUpload.length; start += batchSize) {
    const batch = toUpload.slice(start, start + batchSize);
    const stop = await uploadBatch(engine, garmin, userId, batch, existing, heightM, report, failStep);
    request.backfill?.onProgress?.({
      total: toUpload.length,
      done: Math.min(start + batchSize, toUpload.length),
      synced: report.synced.length,
      failed: report.failed.length,
    });
    if (stop) break;
  }

  if (bloodPressureGroups.length > 0) {
    await syncBloodPressure(
      engine,
      garmin,
      userId,
      bloodPressureGroups,
      account.value.timeZone ?? timeZone,
      report,
      failStep,
    );
  }

  // 9. Cursor and pending: only when nothing failed and nothing was left for later.
  const complete = report.failed.length === 0 && !report.skipped.some((s) => s.reason === 'cap');
  if (complete && !request.backfill) {
    const next = Math.max(cursor?.value.lastUpdate ?? 0, Math.floor(updateTime.getTime() / 1000));
    await store.put(keys.cursor(userId), { lastUpdate: next } satisfies CursorRecord);
    report.cursor = new Date(next * 1000).toISOString();
    if (pending)
      await store.delete(keys.pending(userId), { ifVersion: pending.version }).catch(() => undefined);
  }
  if ((!account.value.timeZone && timeZone) || heightDue) {
    await update<AccountRecord>(store, keys.account(userId), (current) => ({
      ...(current ?? account.value),
      timeZone: current?.timeZone ?? timeZone ?? null,
      ...(heightM ? { heightM } : {}),
      ...(heightDue && height.status === 'fulfilled' ? { heightCheckedAt: now.toISOString() } : {}),
    }));
  }
  return finish({ ok: complete });
}

function isBloodPressure(group: MeasureGroup): boolean {
  const types = new Set(group.measures.map((m) => m.type));
  return types.has(9) && types.has(10);
}

/** The newest height (type 4) in a height-only getmeas answer. */
function heightFrom(
  height: PromiseSettledResult<{ groups: MeasureGroup[] } | undefined>,
): number | undefined {
  if (height.status !== 'fulfilled' || !height.value) return undefined;
  const latest = height.value.groups
    .filter((g) => g.measures.some((m) => m.type === 4))
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime())[0];
  return latest?.measures.find((m) => m.type === 4)?.value;
}
