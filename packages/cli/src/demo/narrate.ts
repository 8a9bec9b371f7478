import type { SyncReport } from '@wg-sync/core';
import type { GarminSim, RecordedRequest, WithingsSim } from '@wg-sync/testkit';

/** Where the simulators' logs stood before a step, so the step's own traffic can be told apart. */
export interface Marks {
  withingsRequests: number;
  garminRequests: number;
  deliveries: number;
  uploads: number;
  startedAt: number;
}

export function mark(withings: WithingsSim, garmin: GarminSim): Marks {
  return {
    withingsRequests: withings.requests.length,
    garminRequests: garmin.requests.length,
    deliveries: withings.deliveries.length,
    uploads: garmin.uploads().length,
    startedAt: Date.now(),
  };
}

const REASONS: Record<string, string> = {
  'duplicate-ledger': 'already uploaded (idempotency ledger)',
  'duplicate-garmin': 'Garmin already has it (within ±120 s, ±0.1 kg)',
  ambiguous: 'ambiguous: Withings could not tell whose weigh-in it is (attrib 1)',
  manual: 'entered by hand',
  'no-weight': 'no weight in it',
  cap: 'over the per-sync cap (picked up next time)',
  attribution: 'attribution not synced',
  objective: 'an objective, not a measurement',
};

function describeWithings(request: RecordedRequest): string {
  const form = new URLSearchParams(request.body);
  const action = form.get('action') ?? '';
  if (request.path === '/measure' && form.get('meastypes') === '4')
    return 'getmeas height (for BMI, once a month)';
  if (request.path === '/measure')
    return `getmeas${form.has('lastupdate') ? ' changed since the cursor' : ''}`;
  if (request.path === '/v2/oauth2') return 'token refresh (rotating refresh token)';
  return `${request.path} ${action}`.trim();
}

function describeGarmin(
  request: RecordedRequest,
  upload: { bytes: number; stored: number } | undefined,
): string {
  if (request.path.startsWith('/weight-service/weight/range/'))
    return 'weight range read (one call, whole span)';
  if (request.path === '/upload-service/upload')
    return `upload weight.fit (${upload ? `${upload.bytes} bytes, ${upload.stored} weigh-in(s) stored` : 'FIT'})`;
  if (request.path === '/di-oauth2-service/oauth/token') return 'token refresh';
  return `${request.method} ${request.path}`;
}

/**
 * The lines of one demo step: every HTTP exchange it caused, in the order the servers saw them, with
 * times relative to the step's start, then what the sync decided.
 */
export function describeStep(
  report: SyncReport,
  marks: Marks,
  withings: WithingsSim,
  garmin: GarminSim,
): string[] {
  const uploads = garmin
    .uploads()
    .slice(marks.uploads)
    .map((u) => ({ bytes: u.bytes.byteLength, stored: u.stored }));
  const events: Array<{ at: number; line: string }> = [];
  for (const delivery of withings.deliveries.slice(marks.deliveries)) {
    const attempt = delivery.attempts.at(-1);
    if (!attempt) continue;
    events.push({
      at: attempt.at.getTime(),
      line: `Withings → wg-sync   POST /webhook/withings/<secret> → ${attempt.status ?? attempt.error} in ${attempt.ms} ms (answered before any upstream call)`,
    });
  }
  for (const request of withings.requests.slice(marks.withingsRequests)) {
    events.push({
      at: request.receivedAt.getTime(),
      line: `wg-sync → Withings   ${describeWithings(request)} → ${request.status ?? '…'}`,
    });
  }
  let uploadIndex = 0;
  let rangeReads = 0;
  for (const request of garmin.requests.slice(marks.garminRequests)) {
    const isUpload = request.path === '/upload-service/upload';
    const isRange = request.path.startsWith('/weight-service/weight/range/');
    if (isRange) rangeReads += 1;
    const suffix = isRange && rangeReads > 1 ? ' — read-back' : '';
    events.push({
      at: request.receivedAt.getTime(),
      line: `wg-sync → Garmin     ${describeGarmin(request, isUpload ? uploads[uploadIndex++] : undefined)} → ${request.status ?? '…'}${suffix}`,
    });
  }
  events.sort((a, b) => a.at - b.at);
  const origin = events[0]?.at ?? marks.startedAt;
  const lines = events.map((e) => `+${String(e.at - origin).padStart(4)} ms  ${e.line}`);
  if (withings.deliveries.length === marks.deliveries)
    lines.unshift('(the notification was POSTed to /webhook/withings again)');

  for (const entry of report.synced) {
    const fields = entry.fields.filter((f) => f !== 'weightKg');
    lines.push(
      `synced      ${entry.weightKg} kg at ${entry.takenAt} from ${entry.groupIds.length} Withings group(s)` +
        `${fields.length ? `, with ${fields.join(', ')}` : ''}; read back from Garmin (samplePk ${entry.garminSamplePk})`,
    );
  }
  for (const entry of report.skipped)
    lines.push(`skipped     ${entry.takenAt ?? ''} ${REASONS[entry.reason] ?? entry.reason}`);
  for (const entry of report.failed) lines.push(`FAILED      ${entry.code}: ${entry.message}`);
  if (report.synced.length + report.skipped.length + report.failed.length === 0)
    lines.push('nothing new: no upload');
  lines.push(
    `            ${report.upstreamCalls.withings + report.upstreamCalls.garmin} upstream calls, ${report.durationMs} ms`,
  );
  return lines;
}
