import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';
import type { Engine } from '../../context.js';
import { garminClientFor } from '../../engine/clients.js';
import { describeFailure } from '../../engine/failures.js';
import type { SyncErrorCode } from '../../error-codes.js';
import { AccountNotFoundError, isSyncErrorWithCode, SyncError } from '../../errors.js';
import { type AccountRecord, keys, type LedgerRecord } from '../../store/state.js';
import {
  GARMIN_DEDUPE_CHUNK_DAYS,
  GARMIN_DEDUPE_DEFAULT_DAYS,
  type GarminDedupeFailure,
  type GarminDedupeOptions,
  type GarminDedupeReport,
  planDedupe,
} from './dedupe-plan.js';

const DAY_MS = 86_400_000;

/** The account has no Garmin session to read with. */
class GarminSessionMissingError extends SyncError {
  readonly code = 'REAUTH_REQUIRED' as const;
  readonly side = 'garmin' as const;
}

/** Failures after which every further deletion would fail the same way: stop, list the rest. */
const STOPS: ReadonlySet<SyncErrorCode> = new Set<SyncErrorCode>([
  'REAUTH_REQUIRED',
  'INVALID_CREDENTIALS',
  'AUTH_EXPIRED',
  'RATE_LIMITED',
  'BLOCKED',
  'FORBIDDEN',
  'STORE_UNAVAILABLE',
  'STORE_CORRUPT',
  'STORE_INSECURE',
]);

/** Every weigh-in from `from` to `to`, read in {@link GARMIN_DEDUPE_CHUNK_DAYS}-day pieces. */
async function listAll(
  garmin: GarminClient,
  from: Date,
  to: Date,
): Promise<{ all: GarminWeighIn[]; reads: number }> {
  const byPk = new Map<number, GarminWeighIn>();
  let reads = 0;
  for (let start = from.getTime(); start <= to.getTime(); start += GARMIN_DEDUPE_CHUNK_DAYS * DAY_MS) {
    const end = Math.min(start + GARMIN_DEDUPE_CHUNK_DAYS * DAY_MS - 1, to.getTime());
    reads += 1;
    for (const w of await garmin.listWeighIns({ from: new Date(start), to: new Date(end) }))
      byPk.set(w.samplePk, w);
  }
  return { all: [...byPk.values()], reads };
}

interface LedgerHit {
  key: string;
  groupId: string;
  version: number;
  value: LedgerRecord;
}

/**
 * Points one ledger entry at `to` (compare-and-swap; after a conflict the entry is read again and
 * rewritten only if it still names the duplicate). @returns whether it was rewritten.
 */
async function repoint(engine: Engine, hit: LedgerHit, fromPk: number, toPk: number): Promise<boolean> {
  const { store } = engine.config;
  try {
    await store.put(hit.key, { ...hit.value, garminSamplePk: toPk }, { ifVersion: hit.version });
    return true;
  } catch (error) {
    if (!isSyncErrorWithCode(error, 'STORE_CONFLICT')) throw error;
    const latest = await store.get<LedgerRecord>(hit.key);
    if (!latest || latest.value.garminSamplePk !== fromPk) return false;
    await store.put(hit.key, { ...latest.value, garminSamplePk: toPk }, { ifVersion: latest.version });
    return true;
  }
}

/**
 * Finds weigh-ins stored more than once in the account's Garmin history and, with `apply`, deletes
 * all but one of each (see {@link GarminDedupeGroup.keep}). Deletions run one at a time; a failed one
 * is reported and the next is still tried, unless the failure means every next one would fail too
 * ({@link GarminDedupeFailure.attempted}). Ledger entries naming a deleted record are pointed at the
 * kept one first. Every deletion logs one `info` line (instant and weight), every failure a `warn`.
 *
 * It does not take the account's sync lease: a sync running meanwhile only adds new weigh-ins,
 * which a later dedupe sees.
 */
export async function garminDedupe(
  engine: Engine,
  userId: string,
  options: Omit<GarminDedupeOptions, 'userId'> = {},
): Promise<GarminDedupeReport> {
  const { config, log } = engine;
  const to = options.to ?? config.now();
  const from = options.from ?? new Date(to.getTime() - GARMIN_DEDUPE_DEFAULT_DAYS * DAY_MS);
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new RangeError(`garmin.dedupe: ${name} must be a valid Date`);
  }
  if (to < from) throw new RangeError('garmin.dedupe: to is before from');

  const account = await config.store.get<AccountRecord>(keys.account(userId));
  if (!account || account.value.unlinkedAt) throw new AccountNotFoundError(userId);
  const garmin = await garminClientFor(engine, userId, config.fetch ?? globalThis.fetch);
  if (!garmin) {
    throw new GarminSessionMissingError(
      `no garmin session for user ${userId}: sign in again (wg-sync garmin login)`,
    );
  }

  const { all, reads } = await listAll(garmin, from, to);
  const groups = planDedupe(all, config.dedup);
  const removals = groups.flatMap((g) => g.remove.map((r) => ({ remove: r, keep: g.keep })));

  // One listing of the ledger per run: which entries name a record about to go.
  const ledgerByPk = new Map<number, LedgerHit[]>();
  if (removals.length > 0) {
    const doomed = new Set(removals.map((r) => r.remove.samplePk));
    const prefix = keys.ledgerPrefix(userId);
    for (const entry of await config.store.list<LedgerRecord>(prefix)) {
      const pk = entry.value?.garminSamplePk;
      // Blood-pressure entries keep Garmin's BP `version` in the same field: never theirs to touch.
      if (typeof pk !== 'number' || !doomed.has(pk) || entry.value.kind === 'blood-pressure') continue;
      const hits = ledgerByPk.get(pk) ?? [];
      hits.push({
        key: entry.key,
        groupId: entry.key.slice(prefix.length),
        version: entry.version,
        value: entry.value,
      });
      ledgerByPk.set(pk, hits);
    }
  }

  const report: GarminDedupeReport = {
    userId,
    from: from.toISOString(),
    to: to.toISOString(),
    dryRun: true,
    tolerance: { ...config.dedup },
    listed: all.length,
    reads,
    groups,
    deleted: [],
    failed: [],
    ledger: removals.flatMap(({ remove, keep }) =>
      (ledgerByPk.get(remove.samplePk) ?? []).map((hit) => ({
        groupId: hit.groupId,
        fromSamplePk: remove.samplePk,
        toSamplePk: keep.samplePk,
      })),
    ),
  };
  if (!options.apply || removals.length === 0) return done(engine, report);
  if (options.confirm && !(await options.confirm(structuredClone(report)))) {
    return done(engine, { ...report, declined: true });
  }

  report.dryRun = false;
  report.ledger = [];
  let stop: { code: SyncErrorCode; message: string } | undefined;
  for (const { remove, keep } of removals) {
    const fields = { userId, samplePk: remove.samplePk, takenAt: remove.takenAt, weightKg: remove.weightKg };
    if (stop) {
      report.failed.push({ ...remove, keptSamplePk: keep.samplePk, ...stop, attempted: false });
      continue;
    }
    try {
      for (const hit of ledgerByPk.get(remove.samplePk) ?? []) {
        if (!(await repoint(engine, hit, remove.samplePk, keep.samplePk))) continue;
        report.ledger.push({
          groupId: hit.groupId,
          fromSamplePk: remove.samplePk,
          toSamplePk: keep.samplePk,
        });
        log.info('garmin.dedupe.ledger-repointed', {
          ...fields,
          groupId: hit.groupId,
          keptSamplePk: keep.samplePk,
        });
      }
      await garmin.deleteWeighIn(remove);
      report.deleted.push({ ...remove, keptSamplePk: keep.samplePk });
      log.info('garmin.dedupe.deleted', { ...fields, keptSamplePk: keep.samplePk });
    } catch (error) {
      const failure = describeFailure(engine, error);
      report.failed.push({ ...remove, keptSamplePk: keep.samplePk, ...failure, attempted: true });
      log.warn('garmin.dedupe.delete-failed', { ...fields, code: failure.code, message: failure.message });
      if (STOPS.has(failure.code)) {
        stop = { code: failure.code, message: `not attempted after ${failure.code}: ${failure.message}` };
      }
    }
  }
  return done(engine, report);
}

function done(engine: Engine, report: GarminDedupeReport): GarminDedupeReport {
  const fields = {
    userId: report.userId,
    dryRun: report.dryRun,
    listed: report.listed,
    groups: report.groups.length,
    duplicates: report.groups.reduce((n, g) => n + g.remove.length, 0),
    deleted: report.deleted.length,
    failed: report.failed.length,
    ledgerRepointed: report.ledger.length,
  };
  if (report.failed.length > 0) engine.log.warn('garmin.dedupe.failed', fields);
  else engine.log.info('garmin.dedupe.completed', fields);
  return report;
}
