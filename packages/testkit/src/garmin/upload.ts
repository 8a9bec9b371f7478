import { randomUUID } from 'node:crypto';
import { Decoder, Stream } from '@garmin/fitsdk';
import { json } from '../shared/http-server.js';
import type { AccountState } from './account-state.js';
import { badRequest, gatewayTimeout, payloadTooLarge } from './faults.js';
import type { GarminSimState } from './state.js';
import type { GarminSimFaultKind, GarminSimUploadLimits, GarminSimWeighInInput } from './types.js';

type Decoded = { weighIns: GarminSimWeighInInput[] } | { error: string };

/** Reads the weigh-ins of a FIT weight file with Garmin's own decoder. */
export function decodeWeighIns(bytes: Uint8Array, sourceType: string): Decoded {
  try {
    if (!new Decoder(Stream.fromByteArray(bytes)).checkIntegrity()) return { error: 'Invalid FIT file.' };
    const { messages, errors } = new Decoder(Stream.fromByteArray(bytes)).read();
    if (errors.length > 0) return { error: 'Invalid FIT file.' };
    if (messages.fileIdMesgs?.[0]?.type !== 'weight') return { error: 'Unsupported FIT file type.' };
    const weighIns: GarminSimWeighInInput[] = [];
    for (const record of messages.weightScaleMesgs ?? []) {
      const r = record as Record<string, unknown>;
      if (!(r.timestamp instanceof Date) || typeof r.weight !== 'number') continue;
      const num = (key: string) => (typeof r[key] === 'number' ? (r[key] as number) : undefined);
      const weighIn: GarminSimWeighInInput = { timestamp: r.timestamp, weightKg: r.weight, sourceType };
      const fields: Array<[keyof GarminSimWeighInInput, string]> = [
        ['fatPercent', 'percentFat'],
        ['hydrationPercent', 'percentHydration'],
        ['boneMassKg', 'boneMass'],
        ['muscleMassKg', 'muscleMass'],
        ['bmi', 'bmi'],
        ['visceralFat', 'visceralFatRating'],
        ['metabolicAge', 'metabolicAge'],
        ['physiqueRating', 'physiqueRating'],
      ];
      for (const [ours, fit] of fields) {
        const value = num(fit);
        if (value !== undefined) (weighIn as unknown as Record<string, number>)[ours] = value;
      }
      weighIns.push(weighIn);
    }
    return weighIns.length > 0 ? { weighIns } : { error: 'An error occurred with your upload.' };
  } catch {
    return { error: 'Invalid FIT file.' };
  }
}

function gmt(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 23)} GMT`;
}

/** True when a file is above the configured upload limits. */
function oversized(limits: GarminSimUploadLimits | undefined, bytes: number, entries: number): boolean {
  if (!limits) return false;
  return (
    (limits.maxEntries !== undefined && entries > limits.maxEntries) ||
    (limits.maxBytes !== undefined && bytes > limits.maxBytes)
  );
}

/** What an upload is answered under: the queued fault, the simulator's address and its size limits. */
export interface UploadConditions {
  fault: GarminSimFaultKind | undefined;
  /** The simulator's own URL, for the `location` of an accepted upload's status. */
  baseUrl: string;
  limits?: GarminSimUploadLimits | undefined;
}

/**
 * `POST /upload-service/upload` (protocol §2.2): multipart field `file`, a `.fit` name; answers the
 * recorded 202 envelope and stores every weigh-in, duplicates included, as Garmin does. A file
 * above `limits` gets a 504 (stored or not, as configured) or a 413.
 */
export async function upload(
  state: GarminSimState,
  account: AccountState,
  request: Request,
  { fault, baseUrl, limits }: UploadConditions,
): Promise<Response> {
  if (!(request.headers.get('content-type') ?? '').includes('multipart/form-data')) {
    return json({ message: 'HTTP 415 Unsupported Media Type', error: 'NotSupportedException' }, 415);
  }
  let file: FormDataEntryValue | null;
  try {
    file = (await request.formData()).get('file');
  } catch {
    return badRequest();
  }
  if (file === null || typeof file === 'string') return badRequest();
  const bytes = new Uint8Array(await file.arrayBuffer());
  const creation = state.now();
  const uuid = randomUUID();
  const uploadId = state.nextUploadId();
  const envelope = (failures: unknown[], id: number | string = uploadId) => ({
    detailedImportResult: {
      uploadId: id,
      uploadUuid: id === '' ? null : { uuid },
      owner: account.profileId,
      fileSize: bytes.length,
      processingTime: 41,
      creationDate: gmt(creation),
      ipAddress: null,
      fileName: file.name,
      report: null,
      successes: [],
      failures,
    },
  });
  const failure = (
    content: string,
    code = 0,
    ids: { internalId: number | null; externalId: string | null } = { internalId: null, externalId: null },
  ) => [{ ...ids, messages: [{ code, content }] }];
  const record = (status: number, stored: number, entries = 0) =>
    state.uploads.push({ email: account.email, fileName: file.name, bytes, status, stored, entries });
  const accepted = (body: unknown, status = 202) => {
    const headers = {
      location: `${baseUrl}/activity-service/activity/status/${creation}/${uuid.replaceAll('-', '')}`,
      'location-in-milliseconds': '1000',
      'cache-control': 'no-cache, no-store, private',
    };
    return body === undefined ? new Response(null, { status, headers }) : json(body, status, headers);
  };

  switch (fault) {
    case 'duplicate-upload':
      record(409, 0);
      // The recorded 409 names the activity it collides with: a numeric internalId and a string of
      // digits as externalId (what Garmin means by the latter is not documented).
      return json(
        envelope(
          failure('Duplicate Activity.', 202, {
            internalId: state.nextActivityId(),
            externalId: String(1_100_000_000 + (creation % 1_000_000_000)),
          }),
          '',
        ),
        409,
      );
    case 'phantom-upload':
      record(202, 0);
      return accepted(envelope([]));
    case 'empty-array-upload':
      record(202, 0);
      return accepted([]);
    case 'empty-body-upload':
      record(202, 0);
      return accepted(undefined);
    case 'upload-failure':
      record(202, 0);
      return accepted(envelope(failure('An error occurred with your upload.')));
    default:
      break;
  }
  if (!/\.fit$/i.test(file.name)) {
    record(400, 0);
    return json(envelope(failure('Unsupported file type.'), ''), 400);
  }
  const decoded = decodeWeighIns(bytes, state.uploadSourceType);
  if ('error' in decoded) {
    record(400, 0);
    return json(envelope(failure(decoded.error), ''), 400);
  }
  const count = decoded.weighIns.length;
  const store = () => {
    for (const weighIn of decoded.weighIns) state.storeWeighIn(account, weighIn);
  };
  if (oversized(limits, bytes.length, count)) {
    if (limits?.status === 413) {
      record(413, 0, count);
      return payloadTooLarge();
    }
    if (limits?.storedAnyway) store();
    record(504, limits?.storedAnyway ? count : 0, count);
    return gatewayTimeout();
  }
  // The gateway gave up after the upload service had stored the file.
  if (fault === 'gateway-timeout-stored') {
    store();
    record(504, count, count);
    return gatewayTimeout();
  }
  store();
  record(202, count, count);
  return accepted(envelope([]));
}
