import type { SyncReport } from '@wg-sync/core';
import type { IntervalsWellness } from '@wg-sync/intervals';
import type {
  GarminSim,
  IntervalsSim,
  IntervalsSimRequest,
  IntervalsSimWellness,
  RecordedRequest,
  WithingsSim,
} from '@wg-sync/testkit';

/** Where the simulators' logs stood before a step, so the step's own traffic can be told apart. */
export interface Marks {
  withingsRequests: number;
  garminRequests: number;
  intervalsRequests: number;
  deliveries: number;
  uploads: number;
  startedAt: number;
}

export function mark(withings: WithingsSim, garmin: GarminSim, intervals: IntervalsSim): Marks {
  return {
    withingsRequests: withings.requests.length,
    garminRequests: garmin.requests.length,
    intervalsRequests: intervals.requests.length,
    deliveries: withings.deliveries.length,
    uploads: garmin.uploads().length,
    startedAt: Date.now(),
  };
}

/** The simulators a step talks to, and the intervals.icu athlete the demo account is linked to. */
export interface DemoSims {
  withings: WithingsSim;
  garmin: GarminSim;
  intervals: IntervalsSim;
  athleteId: string;
}

/** Who talks to whom, padded so the requests line up. */
const arrow = (from: string, to: string) => `${from} → ${to}`.padEnd(25);

const REASONS: Record<string, string> = {
  'duplicate-ledger': 'already uploaded (idempotency ledger)',
  'duplicate-garmin': 'Garmin already has it (within ±120 s, ±0.1 kg)',
  ambiguous: 'ambiguous: Withings could not tell whose weigh-in it is (attrib 1)',
  manual: 'entered by hand',
  'no-weight': 'no weight in it',
  cap: 'over the per-sync cap (picked up next time)',
  attribution: 'attribution not synced',
  objective: 'an objective, not a measurement',
  superseded: "a later weigh-in of the same day is the day's record",
};

const DESTINATION_NAMES: Record<string, string> = { garmin: 'Garmin', intervals: 'intervals.icu' };

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

function describeIntervals(request: IntervalsSimRequest): string {
  const day = /\/wellness\/(\d{4}-\d{2}-\d{2})$/.exec(request.path)?.[1];
  if (request.method === 'PUT' && day)
    return `PUT wellness ${day} (${Object.keys(JSON.parse(request.body || '{}') as object).join(', ')})`;
  if (request.path.endsWith('/wellness'))
    return `wellness read ${request.query.get('oldest')} … ${request.query.get('newest')}`;
  if (/^\/api\/v1\/athlete\/[^/]+$/.test(request.path)) return 'athlete read (its time zone decides the day)';
  return `${request.method} ${request.path}`;
}

/** What one intervals.icu day holds, as the demo shows it: `weight 81.4 kg, body fat 21.2 %`. */
export function describeIntervalsDay(day: IntervalsWellness | IntervalsSimWellness): string {
  return [
    typeof day.weight === 'number' ? `weight ${day.weight} kg` : '',
    typeof day.bodyFat === 'number' ? `body fat ${day.bodyFat} %` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * The lines of one demo step: every HTTP exchange it caused, in the order the servers saw them, with
 * times relative to the step's start, then what the sync decided.
 */
export function describeStep(report: SyncReport, marks: Marks, sims: DemoSims): string[] {
  const { withings, garmin, intervals } = sims;
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
      line: `${arrow('Withings', 'wg-sync')}POST /webhook/withings/<secret> → ${attempt.status ?? attempt.error} in ${attempt.ms} ms (answered before any upstream call)`,
    });
  }
  for (const request of withings.requests.slice(marks.withingsRequests)) {
    events.push({
      at: request.receivedAt.getTime(),
      line: `${arrow('wg-sync', 'Withings')}${describeWithings(request)} → ${request.status ?? '…'}`,
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
      line: `${arrow('wg-sync', 'Garmin')}${describeGarmin(request, isUpload ? uploads[uploadIndex++] : undefined)} → ${request.status ?? '…'}${suffix}`,
    });
  }
  let wrote = false;
  for (const request of intervals.requests.slice(marks.intervalsRequests)) {
    const isRead = request.method === 'GET' && request.path.endsWith('/wellness');
    const suffix = isRead && wrote ? ' — read-back' : '';
    if (request.method === 'PUT') wrote = true;
    events.push({
      at: request.receivedAt.getTime(),
      line: `${arrow('wg-sync', 'intervals.icu')}${describeIntervals(request)} → ${request.status ?? '…'}${suffix}`,
    });
  }
  events.sort((a, b) => a.at - b.at);
  const origin = events[0]?.at ?? marks.startedAt;
  const lines = events.map((e) => `+${String(e.at - origin).padStart(4)} ms  ${e.line}`);
  if (report.trigger === 'webhook' && withings.deliveries.length === marks.deliveries)
    lines.unshift('(the notification was POSTed to /webhook/withings again)');

  for (const entry of report.synced) {
    const fields = entry.fields.filter((f) => f !== 'weightKg');
    const readBack =
      entry.destination === 'intervals'
        ? `written to intervals.icu as the record of ${entry.storedId}`
        : `read back from Garmin (samplePk ${entry.garminSamplePk})`;
    lines.push(
      `synced      ${entry.weightKg} kg at ${entry.takenAt} from ${entry.groupIds.length} Withings group(s)` +
        `${fields.length ? `, with ${fields.join(', ')}` : ''}; ${readBack}`,
    );
  }
  for (const entry of report.skipped) {
    const to = entry.destination ? ` (${DESTINATION_NAMES[entry.destination] ?? entry.destination})` : '';
    lines.push(`skipped     ${entry.takenAt ?? ''} ${REASONS[entry.reason] ?? entry.reason}${to}`);
  }
  for (const entry of report.failed) lines.push(`FAILED      ${entry.code}: ${entry.message}`);
  if (report.synced.length + report.skipped.length + report.failed.length === 0)
    lines.push('nothing new: no upload');
  // What the intervals.icu days this step wrote now hold (one record a day).
  const written = new Set(
    report.synced.flatMap((s) => (s.destination === 'intervals' && s.storedId ? [s.storedId] : [])),
  );
  for (const day of intervals.wellness(sims.athleteId))
    if (written.has(day.id)) lines.push(`intervals.icu: ${day.id} ${describeIntervalsDay(day)}`);
  const calls =
    report.upstreamCalls.withings +
    report.upstreamCalls.garmin +
    (report.destinations.intervals?.upstreamCalls ?? 0);
  lines.push(`            ${calls} upstream calls, ${report.durationMs} ms`);
  return lines;
}
