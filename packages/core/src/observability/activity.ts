import type { Engine } from '../context.js';
import { destinationKeys } from '../destinations/ledger.js';
import { keys, type LedgerRecord, type PendingRecord, update } from '../store/state.js';
import type { StateStore } from '../store/state-store.js';
import type { SkipReason, SyncReport, SyncTrigger } from './report.js';

const DAY_MS = 86_400_000;
/** Syncs remembered per account. */
export const ACTIVITY_SYNCS = 20;
/** Days of weigh-ins the trend keeps (a year at a click, and a little more). */
export const ACTIVITY_TREND_DAYS = 400;
/** Weigh-ins the trend keeps at most (a scale shared by several, weighed often): the oldest go first. */
export const ACTIVITY_TREND_MAX_POINTS = 1500;
/** Failures kept per remembered sync. */
const FAILURES_PER_SYNC = 3;

/** One sync as the status page and `GET /status` remember it (the last 20). */
export interface SyncOutcome {
  /** When it started (ISO 8601). */
  at: string;
  trigger: SyncTrigger;
  /**
   * `synced`: it wrote at least one weigh-in and nothing failed; `nothing-new`: nothing to write
   * (everything skipped, or no weigh-in in the window); `failed`: something failed (`failed` says
   * what; it may have written some weigh-ins too).
   */
  result: 'synced' | 'nothing-new' | 'failed';
  durationMs: number;
  /** Weigh-ins (and readings) written, over every destination. */
  synced: number;
  /** What was left out, one entry per reason. */
  skipped: Array<{ reason: SkipReason; count: number }>;
  /** The first failures (at most three), in plain words, secrets redacted. */
  failed: Array<{ code: string; message: string; destination?: string }>;
}

/** What one destination holds of an account, as wg-sync counts it. */
export interface DestinationHolding {
  /** The destination's id (`garmin`, `intervals`, yours). */
  id: string;
  /**
   * Weigh-ins wg-sync wrote there or found already there (its ledger's, less the deleted ones);
   * `null` until the account's first sync with this version counts them.
   */
  weighIns: number | null;
  /** When wg-sync last wrote a weigh-in there; `null` when it never did (as far as it counted). */
  lastWriteAt: string | null;
}

/** A weigh-in of the trend: `[epoch seconds, kg, fat % or null, destinations written ("garmin,intervals")]`. */
export type TrendTuple = [t: number, kg: number, fat: number | null, written: string];

/**
 * `activity/<user>`: the account's recent syncs, what each destination holds, when Withings last
 * called, and the weight trend, kept small at the end of every sync (not dry runs) so that the status
 * page and `GET /status` read one entry per account, never the ledger.
 */
export interface ActivityRecord {
  /** Newest first, at most {@link ACTIVITY_SYNCS}. */
  syncs: SyncOutcome[];
  /** Per destination id. */
  holds: Record<string, { weighIns: number; lastWriteAt?: string }>;
  /** The last notification a sync drained (the pending record holds newer ones). */
  lastNotificationAt?: string;
  /** Oldest first, at most {@link ACTIVITY_TREND_DAYS} days and {@link ACTIVITY_TREND_MAX_POINTS} points. */
  trend: TrendTuple[];
}

/** When the last notification came, read before a sync drains it (one store read). */
export async function lastNotificationBefore(engine: Engine, userId: string): Promise<string | undefined> {
  try {
    return (await engine.config.store.get<PendingRecord>(keys.pending(userId)))?.value.lastAt;
  } catch {
    return undefined; // the sync itself reports a broken store
  }
}

/**
 * Adds a finished sync to the account's {@link ActivityRecord} (one compare-and-swap write, plus a
 * ledger read per weigh-in it wrote or found). A store without one (written by an earlier version, a
 * new account) gets it from its ledgers once. Never throws: the sync's own outcome stands.
 */
export async function recordActivity(
  engine: Engine,
  report: SyncReport,
  notifiedAt: string | undefined,
): Promise<void> {
  if (report.dryRun || report.coalesced) return;
  try {
    const { store } = engine.config;
    const key = keys.activity(report.userId);
    const existing = await store.get<ActivityRecord>(key);
    const ids = engine.destinations.map((d) => d.id);
    const fresh = existing ? undefined : await fromLedgers(store, report.userId, ids, engine.config.now());
    const found = existing ? await reportedWeighIns(store, report) : [];
    await update<ActivityRecord>(store, key, (current) => {
      const base = current ?? fresh ?? { syncs: [], holds: {}, trend: [] };
      const next: ActivityRecord = {
        ...base,
        syncs: [outcomeOf(report), ...base.syncs].slice(0, ACTIVITY_SYNCS),
      };
      const notified = [base.lastNotificationAt, notifiedAt].filter((x): x is string => !!x).sort();
      if (notified.length) next.lastNotificationAt = notified[notified.length - 1];
      // The ledgers already held this sync's writes when the record was made from them.
      if (current || !fresh) applyReport(next, report, found, engine.config.now());
      return next;
    });
  } catch (error) {
    engine.log.warn('activity.failed', { userId: report.userId, error });
  }
}

function outcomeOf(report: SyncReport): SyncOutcome {
  const reasons = new Map<SkipReason, number>();
  for (const s of report.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  return {
    at: report.startedAt,
    trigger: report.trigger,
    result: report.failed.length > 0 ? 'failed' : report.synced.length > 0 ? 'synced' : 'nothing-new',
    durationMs: report.durationMs,
    synced: report.synced.length,
    skipped: [...reasons].map(([reason, count]) => ({ reason, count })),
    failed: report.failed.slice(0, FAILURES_PER_SYNC).map((f) => ({
      code: f.code,
      message: f.message,
      ...(f.destination ? { destination: f.destination } : {}),
    })),
  };
}

/** A weigh-in a sync wrote (`how: uploaded`) or found in a destination, with its ledger's values. */
interface ReportedWeighIn {
  destination: string;
  takenAt: string;
  written: boolean;
  kg?: number;
  fat?: number;
}

/** The destination an entry belongs to: its tag, or the run's only destination. */
function destinationOf(report: SyncReport, tagged: string | undefined): string | undefined {
  if (tagged) return tagged;
  const ids = Object.keys(report.destinations);
  return ids.length === 1 ? ids[0] : undefined;
}

async function reportedWeighIns(store: StateStore, report: SyncReport): Promise<ReportedWeighIn[]> {
  const entries = [
    ...report.synced
      .filter((s) => s.weightKg !== undefined)
      .map((s) => ({ ...s, written: true, destination: destinationOf(report, s.destination) })),
    ...report.skipped
      .filter((s) => s.reason === 'duplicate-garmin' && s.takenAt)
      .map((s) => ({ ...s, written: false, destination: destinationOf(report, s.destination) })),
  ];
  return Promise.all(
    entries.flatMap((entry) => {
      const group = entry.groupIds[0];
      if (!entry.destination || !group || !entry.takenAt) return [];
      const { destination, takenAt, written } = entry;
      return [
        store
          .get<LedgerRecord & { fatPercent?: number }>(
            destinationKeys.ledger(destination, report.userId, group),
          )
          .then((hit) => ({
            destination,
            takenAt,
            written,
            ...numbers(hit?.value ?? ('weightKg' in entry ? { weightKg: entry.weightKg } : {})),
          })),
      ];
    }),
  );
}

const numbers = (entry: { weightKg?: number; fatPercent?: number }) => ({
  ...(typeof entry.weightKg === 'number' ? { kg: entry.weightKg } : {}),
  ...(typeof entry.fatPercent === 'number' ? { fat: entry.fatPercent } : {}),
});

function applyReport(record: ActivityRecord, report: SyncReport, found: ReportedWeighIn[], now: Date): void {
  const holds = { ...record.holds };
  const points = new Map(record.trend.map((p) => [p[0], p] as const));
  const endedAt = new Date(Date.parse(report.startedAt) + report.durationMs).toISOString();
  for (const w of found) {
    const hold = { ...(holds[w.destination] ?? { weighIns: 0 }) };
    hold.weighIns += 1;
    if (w.written) hold.lastWriteAt = endedAt;
    holds[w.destination] = hold;
    if (w.kg === undefined) continue;
    const t = Math.floor(Date.parse(w.takenAt) / 1000);
    const before = points.get(t);
    const written = new Set((before?.[3] ?? '').split(',').filter(Boolean));
    if (w.written) written.add(w.destination);
    points.set(t, [t, w.kg, w.fat ?? before?.[2] ?? null, [...written].join(',')]);
  }
  for (const d of report.deleted) {
    const hold = holds[d.destination];
    if (hold) holds[d.destination] = { ...hold, weighIns: Math.max(0, hold.weighIns - 1) };
    points.delete(Math.floor(Date.parse(d.takenAt) / 1000));
  }
  record.holds = holds;
  record.trend = bounded([...points.values()], now);
}

function bounded(points: TrendTuple[], now: Date): TrendTuple[] {
  const oldest = (now.getTime() - ACTIVITY_TREND_DAYS * DAY_MS) / 1000;
  return points
    .filter((p) => p[0] >= oldest)
    .sort((a, b) => a[0] - b[0])
    .slice(-ACTIVITY_TREND_MAX_POINTS);
}

/** The record made from the account's ledgers: once per account, when a sync finds none. */
async function fromLedgers(
  store: StateStore,
  userId: string,
  destinations: string[],
  now: Date,
): Promise<ActivityRecord> {
  const holds: ActivityRecord['holds'] = {};
  const points = new Map<number, TrendTuple>();
  for (const id of destinations) {
    const entries = await store.list<LedgerRecord & { deletedAt?: string; fatPercent?: number }>(
      destinationKeys.ledger(id, userId, ''),
    );
    const instants = new Set<string>();
    let lastWriteAt: string | undefined;
    for (const { value } of entries) {
      if (value.kind !== 'weight' || value.deletedAt || !value.takenAt) continue;
      instants.add(value.takenAt);
      const written = value.how === 'uploaded';
      if (written && value.at && (!lastWriteAt || value.at > lastWriteAt)) lastWriteAt = value.at;
      if (typeof value.weightKg !== 'number') continue;
      const t = Math.floor(Date.parse(value.takenAt) / 1000);
      if (!Number.isFinite(t)) continue;
      const before = points.get(t);
      const to = new Set((before?.[3] ?? '').split(',').filter(Boolean));
      if (written) to.add(id);
      const fat = typeof value.fatPercent === 'number' ? value.fatPercent : (before?.[2] ?? null);
      points.set(t, [t, value.weightKg, fat, [...to].join(',')]);
    }
    if (entries.length > 0) holds[id] = { weighIns: instants.size, ...(lastWriteAt ? { lastWriteAt } : {}) };
  }
  return { syncs: [], holds, trend: bounded([...points.values()], now) };
}
