import { GarminApiError, GarminUploadError, type GarminUploadFailure } from './errors.js';
import { parseJson, parseWith, type ReadResponse } from './http.js';
import { redact } from './redact.js';
import { type UploadResponse, uploadResponse } from './schemas.js';

/** What {@link GarminClient.uploadFit} reports. */
export interface GarminUploadResult {
  /** Garmin's upload id (`""` for a duplicate, which Garmin gives no id). */
  uploadId: string;
  /**
   * `accepted`: Garmin took the file for (asynchronous) processing. `duplicate`: Garmin says it
   * already has this file (HTTP 409), so nothing new was stored.
   */
  status: 'accepted' | 'duplicate';
}

const DUPLICATE = /duplicate/i;

/**
 * Interprets the answer to `POST /upload-service/upload` (protocol §2.2). Only a 2xx carrying a
 * `detailedImportResult` without failures is a success; an empty body, `[]` or a missing envelope
 * is a phantom success and therefore an error.
 */
export function readUploadResult(
  response: ReadResponse,
  what: string,
  secrets: Array<string | null | undefined>,
): GarminUploadResult {
  const { status } = response;
  if (status === 409) {
    return {
      uploadId: envelopeOf(response)?.detailedImportResult.uploadId?.toString() ?? '',
      status: 'duplicate',
    };
  }
  const body = parseJson(response, what);
  if (Array.isArray(body)) {
    throw new GarminApiError(
      'PROTOCOL',
      `${what} answered ${status} with ${body.length === 0 ? 'an empty list ([])' : 'a list'} instead of an import result: Garmin did not confirm the upload, so nothing may have been stored`,
      { status },
    );
  }
  const envelope = parseWith(
    uploadResponse,
    body,
    `${what} (no detailedImportResult: a phantom success)`,
    status,
  );
  const result = envelope.detailedImportResult;
  const failures = normaliseFailures(result.failures ?? []);
  const uploadId = result.uploadId?.toString() ?? '';
  if (failures.length > 0) {
    const reasons = failures.flatMap((f) => f.messages);
    if (reasons.length > 0 && reasons.every((m) => DUPLICATE.test(m.content))) {
      return { uploadId, status: 'duplicate' };
    }
    const text = reasons.map((m) => `${m.code ?? '?'} ${m.content}`).join('; ') || 'no reason given';
    throw new GarminUploadError(
      `Garmin refused the upload (HTTP ${status}): ${redact(text, secrets)}`,
      failures,
      {
        status,
        ...(uploadId ? { uploadId } : {}),
      },
    );
  }
  if (status < 200 || status >= 300) {
    throw new GarminApiError(
      'UPSTREAM',
      `${what} answered HTTP ${status} with an import result but no failures`,
      {
        status,
      },
    );
  }
  if (uploadId === '') {
    throw new GarminApiError(
      'PROTOCOL',
      `${what} answered ${status} without an uploadId: not a confirmed upload`,
      {
        status,
      },
    );
  }
  return { uploadId, status: 'accepted' };
}

/** The envelope of an error answer, if it has one (else undefined). */
export function envelopeOf(response: ReadResponse): UploadResponse | undefined {
  try {
    const parsed = uploadResponse.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function normaliseFailures(
  raw: NonNullable<UploadResponse['detailedImportResult']['failures']>,
): GarminUploadFailure[] {
  return raw.map((failure) => ({
    internalId: failure.internalId ?? null,
    externalId: failure.externalId ?? null,
    messages: (failure.messages ?? []).map((m) => ({ code: messageCode(m.code), content: m.content ?? '' })),
  }));
}

/** Garmin's message code as a number (`202` also arrives as `"202"`); anything else is null. */
function messageCode(code: number | string | null | undefined): number | null {
  if (typeof code === 'number') return code;
  return typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : null;
}
