import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';
import type { WeighIn } from '@wg-sync/withings';
import type { Engine } from './context.js';
import type { SyncErrorCode } from './error-codes.js';
import { isReauth, sideOf } from './failures.js';
import { raiseAlert } from './health.js';
import { readBack } from './read-back.js';
import type { SyncReport } from './report.js';
import { keys, type LedgerRecord } from './state.js';
import { type GarminWeightEntry, sentFields, toGarminEntry } from './weight-entry.js';

/** A weigh-in with the FIT entry made from it. */
interface Item {
  weighIn: WeighIn;
  entry: GarminWeightEntry;
}

/** One FIT file to upload: its weigh-ins and its bytes. */
interface FitFile {
  items: Item[];
  bytes: Uint8Array;
}

type Encode = (entries: GarminWeightEntry[]) => Uint8Array;

/** The statuses after which a smaller file may get through (protocol §10: big files got 504s). */
const TOO_BIG: Record<number, { code: SyncErrorCode; what: string }> = {
  413: { code: 'UPLOAD_TOO_LARGE', what: 'refused it as too large (HTTP 413)' },
  504: { code: 'UPLOAD_TIMEOUT', what: 'timed out on it (HTTP 504)' },
};

/**
 * Uploads one batch as FIT files of at most `config.upload.maxEntries` weigh-ins and
 * `config.upload.maxBytes` bytes, reads them back, and writes the ledger for what Garmin shows.
 * A file answered 413 or 504 is split in half and sent again; after a 504 (Garmin may have stored
 * the file before the gateway gave up) Garmin is read first and what it already holds is not sent
 * again. A single weigh-in that still gets 413/504 fails on its own and is retried next sync.
 * @returns true when syncing this account must stop (a session needs re-authorization).
 */
export async function uploadBatch(
  engine: Engine,
  garmin: GarminClient,
  userId: string,
  batch: WeighIn[],
  existing: Set<number>,
  heightM: number | undefined,
  report: SyncReport,
  failStep: (error: unknown, groupIds?: string[]) => Promise<void>,
): Promise<boolean> {
  const items = batch.map((weighIn) => ({ weighIn, entry: toGarminEntry(weighIn, heightM) }));
  let encode: Encode;
  let queue: FitFile[];
  try {
    const { encodeWeightFit } = await import('@wg-sync/fit');
    encode = (entries) => encodeWeightFit(entries);
    queue = packFitFiles(items, engine.config.upload, encode);
  } catch (error) {
    await failStep(error, groupIdsOf(items)); // FitEncodeError: nothing was sent
    return false;
  }
  const sent: Item[] = [];
  let stop = false;
  for (let file = queue.shift(); file; file = queue.shift()) {
    try {
      const result = await garmin.uploadFit(file.bytes, { filename: 'body_composition.fit' });
      engine.log.debug('garmin.uploaded', {
        userId,
        entries: file.items.length,
        bytes: file.bytes.length,
        status: result.status,
      });
      sent.push(...file.items);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const tooBig = sideOf(error) === 'garmin' && typeof status === 'number' ? TOO_BIG[status] : undefined;
      if (!tooBig) {
        // Garmin is refusing or failing: the files not sent yet wait for the next sync too.
        await failStep(error, groupIdsOf([...file.items, ...queue.flatMap((f) => f.items)]));
        stop = isReauth(error);
        break;
      }
      engine.log.warn('garmin.upload_too_big', {
        userId,
        status,
        entries: file.items.length,
        bytes: file.bytes.length,
      });
      let left = file.items;
      if (status === 504) {
        try {
          left = await keepUnstored(engine, garmin, userId, left, existing, report);
        } catch (readError) {
          // Not knowing whether Garmin has them, sending them again could duplicate: next sync decides.
          await failStep(readError, groupIdsOf([...left, ...queue.flatMap((f) => f.items)]));
          break;
        }
      }
      if (left.length === 0) continue;
      if (file.items.length === 1) {
        await failTooBig(engine, userId, left, tooBig, report);
        continue;
      }
      const half = Math.ceil(left.length / 2);
      const parts = [left.slice(0, half), left.slice(half)].filter((part) => part.length > 0);
      queue.unshift(...parts.map((part) => ({ items: part, bytes: encode(part.map((i) => i.entry)) })));
    }
  }
  if (sent.length > 0) await confirm(engine, garmin, userId, sent, existing, report, failStep);
  return stop;
}

/**
 * Cuts items, in order, into files within both caps. The bytes are measured by encoding (a file's
 * size grows with every entry, so the largest prefix that fits is found by bisection). One entry
 * over `maxBytes` still goes alone: only Garmin can say whether it is too big.
 */
export function packFitFiles<T extends { entry: GarminWeightEntry }>(
  items: T[],
  caps: { maxEntries: number; maxBytes: number },
  encode: Encode,
): Array<{ items: T[]; bytes: Uint8Array }> {
  const files: Array<{ items: T[]; bytes: Uint8Array }> = [];
  const encodeSlice = (from: number, count: number) =>
    encode(items.slice(from, from + count).map((i) => i.entry));
  for (let start = 0; start < items.length; ) {
    let count = Math.min(caps.maxEntries, items.length - start);
    let bytes = encodeSlice(start, count);
    if (bytes.length > caps.maxBytes && count > 1) {
      let fits = 1;
      let fitsBytes = encodeSlice(start, 1);
      let tooBig = count;
      while (tooBig - fits > 1) {
        const middle = Math.floor((fits + tooBig) / 2);
        const candidate = encodeSlice(start, middle);
        if (candidate.length <= caps.maxBytes) {
          fits = middle;
          fitsBytes = candidate;
        } else {
          tooBig = middle;
        }
      }
      count = fits;
      bytes = fitsBytes;
    }
    files.push({ items: items.slice(start, start + count), bytes });
    start += count;
  }
  return files;
}

/**
 * After a 504: the items Garmin does NOT show (those it does are recorded as synced now). Polls
 * like the read-back, since Garmin may still be processing the file.
 */
async function keepUnstored(
  engine: Engine,
  garmin: GarminClient,
  userId: string,
  items: Item[],
  existing: Set<number>,
  report: SyncReport,
): Promise<Item[]> {
  const stored = await readBack(
    garmin,
    items.map((i) => i.weighIn),
    existing,
    engine.config.dedup,
    engine.config.readBack,
  );
  const left: Item[] = [];
  for (const [index, item] of items.entries()) {
    const match = stored[index];
    if (match) await recordSynced(engine, userId, item, match, existing, report);
    else left.push(item);
  }
  if (left.length < items.length) {
    engine.log.info('garmin.stored_despite_timeout', {
      userId,
      stored: items.length - left.length,
      notStored: left.length,
    });
  }
  return left;
}

/** One weigh-in Garmin will not take even alone: a failed entry and an alert; retried next sync. */
async function failTooBig(
  engine: Engine,
  userId: string,
  items: Item[],
  reason: { code: SyncErrorCode; what: string },
  report: SyncReport,
): Promise<void> {
  for (const { weighIn: w } of items) {
    const message = `Garmin ${reason.what} even as a file with only the ${w.weightKg} kg weigh-in of ${w.takenAt.toISOString()}; it will be uploaded again on the next sync`;
    report.failed.push({
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      code: reason.code,
      message,
    });
    engine.log.error('garmin.upload_refused', {
      userId,
      code: reason.code,
      takenAt: w.takenAt.toISOString(),
    });
  }
  await raiseAlert(engine, {
    type: 'NOT_STORED',
    userId,
    message: `Garmin ${reason.what} for a single weigh-in of user ${userId}; it stays pending and is retried on the next sync`,
  });
}

/** Reads the uploaded weigh-ins back; the ledger gets what Garmin shows, the rest fails as NOT_STORED. */
async function confirm(
  engine: Engine,
  garmin: GarminClient,
  userId: string,
  sent: Item[],
  existing: Set<number>,
  report: SyncReport,
  failStep: (error: unknown, groupIds?: string[]) => Promise<void>,
): Promise<void> {
  let stored: Array<GarminWeighIn | undefined>;
  try {
    stored = await readBack(
      garmin,
      sent.map((i) => i.weighIn),
      existing,
      engine.config.dedup,
      engine.config.readBack,
    );
  } catch (error) {
    // Uploaded but unconfirmed: not in the ledger, so the next sync looks again (and finds it in Garmin).
    await failStep(error, groupIdsOf(sent));
    return;
  }
  const missing: WeighIn[] = [];
  for (const [i, item] of sent.entries()) {
    const match = stored[i];
    if (match) await recordSynced(engine, userId, item, match, existing, report);
    else missing.push(item.weighIn);
  }
  for (const w of missing) {
    report.failed.push({
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      code: 'NOT_STORED',
      message: `Garmin accepted the upload but does not show the ${w.weightKg} kg weigh-in of ${w.takenAt.toISOString()}; it will be uploaded again`,
    });
  }
  if (missing.length > 0) {
    await raiseAlert(engine, {
      type: 'NOT_STORED',
      userId,
      message: `Garmin accepted ${sent.length} weigh-in(s) for user ${userId} but ${missing.length} did not appear; they will be retried on the next sync`,
    });
  }
}

async function recordSynced(
  engine: Engine,
  userId: string,
  { weighIn: w, entry }: Item,
  match: GarminWeighIn,
  existing: Set<number>,
  report: SyncReport,
): Promise<void> {
  existing.add(match.samplePk);
  await writeLedger(engine, userId, w, 'uploaded', match.samplePk);
  report.synced.push({
    groupIds: w.groupIds,
    takenAt: w.takenAt.toISOString(),
    weightKg: w.weightKg,
    fields: sentFields(entry),
    garminSamplePk: match.samplePk,
  });
}

const groupIdsOf = (items: Item[]) => items.flatMap((i) => i.weighIn.groupIds);

/** Remembers every group id of a weigh-in that Garmin now holds. */
export async function writeLedger(
  engine: Engine,
  userId: string,
  w: WeighIn,
  how: LedgerRecord['how'],
  samplePk?: number,
) {
  const record: LedgerRecord = {
    takenAt: w.takenAt.toISOString(),
    weightKg: w.weightKg,
    kind: 'weight',
    how,
    at: engine.config.now().toISOString(),
    ...(samplePk === undefined ? {} : { garminSamplePk: samplePk }),
  };
  await Promise.all(w.groupIds.map((id) => engine.config.store.put(keys.ledger(userId, id), record)));
}
