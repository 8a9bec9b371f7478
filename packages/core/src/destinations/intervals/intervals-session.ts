import type { IntervalsClient, IntervalsWellness } from '@wg-sync/intervals';
import type { Engine } from '../../context.js';
import { isSyncErrorWithCode } from '../../errors.js';
import { type AccountRecord, keys, update } from '../../store/state.js';
import type {
  DeleteOutcome,
  DeletionTarget,
  DestinationAccount,
  DestinationSession,
  DestinationWeighIn,
  StoredWeighIn,
  WriteOutcome,
} from '../destination.js';

// One account's intervals.icu session (intervals-destination.ts opens it): reads, writes and deletes
// wellness days, one record a day in the athlete's time zone.

/** The intervals.icu destination's id: its ledger and cursor live under `destinations/intervals/`. */
export const INTERVALS_DESTINATION_ID = 'intervals';

/** PUTs in flight at once during a backfill (one per day). */
const CONCURRENT_WRITES = 4;

/**
 * What wg-sync last wrote to one intervals.icu day (`destinations/intervals/days/<user>/<day>`): the
 * day holds one weight, so a weigh-in earlier than this one never overwrites it.
 */
export interface IntervalsDayRecord {
  weighIn?: { takenAt: string; weightKg: number; bodyFat?: number };
  bloodPressure?: { takenAt: string; systolic: number; diastolic: number };
  at: string;
}

/** The key of an {@link IntervalsDayRecord}. */
export const intervalsDayKey = (userId: string, day: Day) =>
  `destinations/${INTERVALS_DESTINATION_ID}/days/${userId}/${day}`;

const weightOf = (record: IntervalsWellness) =>
  typeof record.weight === 'number' && record.weight > 0 ? record.weight : undefined;

/** `YYYY-MM-DD`, a calendar day as intervals.icu keys its wellness records. */
type Day = string;
const DAY_MS = 86_400_000;
const utcDay = (at: number): Day => new Date(at).toISOString().slice(0, 10);

/** The UTC days around a range: enough to cover it in any time zone (UTC−12 to UTC+14). */
function daysAround(range: { from: Date; to: Date }): { oldest: Day; newest: Day } {
  return { oldest: utcDay(range.from.getTime() - DAY_MS), newest: utcDay(range.to.getTime() + DAY_MS) };
}

/** The day rules of `@wg-sync/intervals` (loaded with the client): which day an instant is, a day's bounds. */
type DayRules = Pick<typeof import('@wg-sync/intervals'), 'wellnessDay' | 'wellnessDayBounds'>;

/** The session of one account whose intervals.icu key was read (`Destination.open`). */
export function intervalsSession(
  engine: Engine,
  { client, days }: { client: IntervalsClient; days: DayRules },
  account: DestinationAccount,
): DestinationSession {
  const localDay = days.wellnessDay;
  const dayPeriod = days.wellnessDayBounds;
  const isTimeZone = (timeZone: unknown): timeZone is string => {
    if (typeof timeZone !== 'string' || timeZone === '') return false;
    try {
      localDay(new Date(0), timeZone);
      return true;
    } catch {
      return false;
    }
  };
  const { store } = engine.config;
  const { userId } = account;
  const { weightToleranceKg } = engine.config.dedup;
  let zone: Promise<string> | undefined;
  // The athlete's zone decides the day; read once per sync, alongside the first list.
  const timeZone = () => {
    zone ??= (async () => {
      const athlete = await client.getAthlete();
      if (isTimeZone(athlete.timezone)) return athlete.timezone;
      const record = await store.get<AccountRecord>(keys.account(userId));
      const fallback = isTimeZone(record?.value.timeZone) ? record.value.timeZone : 'UTC';
      account.log.warn('intervals.timezone.unknown', { userId, using: fallback });
      return fallback;
    })();
    return zone;
  };
  const dayRecord = async (day: Day) =>
    (await store.get<IntervalsDayRecord>(intervalsDayKey(userId, day)))?.value;
  const remember = (
    day: Day,
    change: (current: IntervalsDayRecord | undefined) => Partial<IntervalsDayRecord>,
  ) =>
    update<IntervalsDayRecord>(store, intervalsDayKey(userId, day), (current) => ({
      ...current,
      ...change(current),
      at: engine.config.now().toISOString(),
    }));
  const storedOf = (day: Day, tz: string, weightKg: number): StoredWeighIn => {
    const period = dayPeriod(day, tz);
    return { id: day, takenAt: period.from, weightKg, period };
  };
  const listDays = async (range: { from: Date; to: Date }) => {
    const [tz, records] = await Promise.all([timeZone(), client.listWellness(daysAround(range))]);
    return { tz, records };
  };

  const putWeighIn = async (w: DestinationWeighIn, tz: string) => {
    const day = localDay(w.takenAt, tz);
    const weight = Math.round(w.weightKg * 100) / 100;
    // A body fat intervals.icu would refuse (0, over 100) is left out rather than failing the weight.
    const fat = w.fatPercent === undefined ? undefined : Math.round(w.fatPercent * 10) / 10;
    const bodyFat = fat !== undefined && fat > 0 && fat <= 100 ? fat : undefined;
    const echoed = await client.putWellness(day, { weight, ...(bodyFat === undefined ? {} : { bodyFat }) });
    await remember(day, () => ({
      weighIn: {
        takenAt: w.takenAt.toISOString(),
        weightKg: weight,
        ...(bodyFat === undefined ? {} : { bodyFat }),
      },
    }));
    const shown = echoed ? weightOf(echoed) : undefined;
    return shown !== undefined && Math.abs(shown - weight) <= weightToleranceKg + 1e-9
      ? storedOf(day, tz, shown)
      : undefined;
  };

  /**
   * Clears the weight (and body fat) wg-sync wrote to a day, only while the day holds exactly that:
   * a day a later weigh-in took over holds nothing of this one (`gone`); one whose values a person
   * changed since is left as it is (`kept`).
   */
  const deleteWeighIn = async (target: DeletionTarget): Promise<DeleteOutcome> => {
    const day = target.id as Day;
    const written = (await dayRecord(day))?.weighIn;
    if (!written || Date.parse(written.takenAt) !== target.takenAt.getTime()) return { outcome: 'gone' };
    const [current] = await client.listWellness({ oldest: day, newest: day });
    const weight = current ? weightOf(current) : undefined;
    if (weight === undefined) {
      await remember(day, () => ({ weighIn: undefined }));
      return { outcome: 'gone' };
    }
    const bodyFat =
      typeof current?.bodyFat === 'number' && current.bodyFat >= 0 ? current.bodyFat : undefined;
    if (Math.abs(weight - written.weightKg) > 0.005 || bodyFat !== written.bodyFat) {
      return {
        outcome: 'kept',
        reason: `the day ${day} holds ${weight} kg${bodyFat === undefined ? '' : `, ${bodyFat} %`} since wg-sync wrote ${written.weightKg} kg${written.bodyFat === undefined ? '' : `, ${written.bodyFat} %`}`,
      };
    }
    await client.putWellness(day, { weight: -1, ...(written.bodyFat === undefined ? {} : { bodyFat: -1 }) });
    await remember(day, () => ({ weighIn: undefined }));
    return { outcome: 'deleted' };
  };

  return {
    delete: deleteWeighIn,

    // A day wg-sync wrote holds that weigh-in (matched by its instant, so a later weigh-in of the
    // same weight still replaces it); a day someone else wrote matches any weigh-in of that day
    // with its weight.
    async list(range) {
      const { tz, records } = await listDays(range);
      const weighed = records.flatMap((record) => {
        const weight = weightOf(record);
        if (weight === undefined) return [];
        const period = dayPeriod(record.id, tz);
        return period.to > range.from && period.from <= range.to ? [{ day: record.id, weight, period }] : [];
      });
      const ours = await Promise.all(weighed.map(({ day }) => dayRecord(day)));
      return weighed.map(({ day, weight, period }, i): StoredWeighIn => {
        const written = ours[i]?.weighIn;
        const same = written && Math.abs(written.weightKg - weight) <= weightToleranceKg + 1e-9;
        const at = same ? Date.parse(written.takenAt) : Number.NaN;
        return Number.isFinite(at)
          ? { id: day, takenAt: new Date(at), weightKg: weight }
          : { id: day, takenAt: period.from, weightKg: weight, period };
      });
    },

    async superseded(candidates) {
      const tz = await timeZone();
      const byDay = new Map<Day, DestinationWeighIn[]>();
      for (const w of candidates) {
        const day = localDay(w.takenAt, tz);
        byDay.set(day, [...(byDay.get(day) ?? []), w]);
      }
      const days = [...byDay.keys()];
      const written = await Promise.all(days.map(dayRecord));
      const superseded = new Map<DestinationWeighIn, Date>();
      for (const [i, day] of days.entries()) {
        const group = [...(byDay.get(day) ?? [])].sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
        const latest = group[group.length - 1] as DestinationWeighIn;
        const writtenAt = Date.parse(written[i]?.weighIn?.takenAt ?? '');
        if (writtenAt > latest.takenAt.getTime()) {
          for (const w of group) superseded.set(w, new Date(writtenAt));
          continue;
        }
        for (const w of group.slice(0, -1)) superseded.set(w, latest.takenAt);
      }
      return superseded;
    },

    async write(batch) {
      const tz = await timeZone();
      const outcome: Required<WriteOutcome> = { failed: [], confirmed: [] };
      const queue = [...batch].sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
      let refused: unknown;
      const worker = async () => {
        for (let w = queue.shift(); w; w = queue.shift()) {
          // A refused key refuses every day: the rest waits for the person to link it again.
          if (refused) {
            outcome.failed.push({ weighIns: [w], error: refused });
            continue;
          }
          try {
            const record = await putWeighIn(w, tz);
            if (record) outcome.confirmed.push({ weighIn: w, record });
          } catch (error) {
            if (isSyncErrorWithCode(error, 'REAUTH_REQUIRED')) refused = error;
            outcome.failed.push({ weighIns: [w], error });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENT_WRITES, batch.length) }, worker));
      return outcome;
    },

    async confirm(written) {
      const tz = await timeZone();
      const days = written.map((w) => localDay(w.takenAt, tz));
      const sorted = [...days].sort();
      const records = await client.listWellness({
        oldest: sorted[0] as Day,
        newest: sorted[sorted.length - 1] as Day,
      });
      const byDay = new Map(records.map((r) => [r.id, r]));
      return written.map((w, i) => {
        const day = days[i] as Day;
        const record = byDay.get(day);
        const weight = record && weightOf(record);
        if (weight === undefined || Math.abs(weight - w.weightKg) > weightToleranceKg + 1e-9)
          return undefined;
        return storedOf(day, tz, weight);
      });
    },

    fields: (w) =>
      w.fatPercent !== undefined && w.fatPercent > 0 && w.fatPercent <= 100
        ? ['weightKg', 'fatPercent']
        : ['weightKg'],

    bloodPressure: {
      async list(range) {
        const { tz, records } = await listDays(range);
        const withBp = records.filter(
          (r) => typeof r.systolic === 'number' && typeof r.diastolic === 'number',
        );
        const written = await Promise.all(withBp.map((r) => dayRecord(r.id)));
        return withBp.map((r, i) => {
          const ours = written[i]?.bloodPressure;
          const same = ours && ours.systolic === r.systolic && ours.diastolic === r.diastolic;
          return {
            id: r.id,
            takenAt: same ? new Date(ours.takenAt) : dayPeriod(r.id, tz).from,
            systolic: r.systolic as number,
            diastolic: r.diastolic as number,
          };
        });
      },
      async write(reading) {
        const tz = await timeZone();
        const day = localDay(reading.takenAt, tz);
        const ours = (await dayRecord(day))?.bloodPressure;
        // The day holds one reading: the latest one stays.
        if (ours && Date.parse(ours.takenAt) > reading.takenAt.getTime()) {
          account.log.info('intervals.blood-pressure.later-kept', { userId, day });
          return;
        }
        await client.putWellness(day, { systolic: reading.systolic, diastolic: reading.diastolic });
        await remember(day, () => ({
          bloodPressure: {
            takenAt: reading.takenAt.toISOString(),
            systolic: reading.systolic,
            diastolic: reading.diastolic,
          },
        }));
      },
    },
  };
}
