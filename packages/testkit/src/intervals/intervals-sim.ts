import { randomBytes } from 'node:crypto';
import { createClock } from '../shared/clock.js';
import { FaultQueue } from '../shared/faults.js';
import { json, type RecordedRequest, startHttpServer } from '../shared/http-server.js';
import {
  INTERVALS_SIM_FIELDS,
  type IntervalsSim,
  type IntervalsSimAthlete,
  type IntervalsSimAthleteInput,
  type IntervalsSimAuth,
  type IntervalsSimFault,
  type IntervalsSimField,
  type IntervalsSimOptions,
  type IntervalsSimRequest,
  type IntervalsSimWellness,
  type IntervalsSimWellnessInput,
} from './types.js';

const ATHLETE = /^\/api\/v1\/athlete\/([^/]+)$/;
const WELLNESS = /^\/api\/v1\/athlete\/([^/]+)\/wellness$/;
const WELLNESS_DAY = /^\/api\/v1\/athlete\/([^/]+)\/wellness\/([^/]+)$/;

const CHALLENGE = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">intervals.icu</h1>
<h2 class="h2">Verifying you are human. This may take a few seconds.</h2>
<noscript>Enable JavaScript and cookies to continue</noscript>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script>
</div></div></body></html>`;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

interface Athlete extends IntervalsSimAthlete {
  records: Map<string, IntervalsSimWellness>;
}

/** A real calendar day written `YYYY-MM-DD`. */
function isDay(value: string | null): value is string {
  if (value === null || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The `Authorization` value intervals.icu expects for `apiKey`. */
function basicAuth(apiKey: string): string {
  return `Basic ${Buffer.from(`API_KEY:${apiKey}`).toString('base64')}`;
}

const errorBody = (status: number, message?: string, headers: Record<string, string> = {}) =>
  json({ status, error: REASONS[status] ?? 'Error', ...(message ? { message } : {}) }, status, headers);

const unauthorized = () => errorBody(401, undefined, { 'www-authenticate': 'Basic realm="intervals.icu"' });

/**
 * Starts a simulated intervals.icu API on 127.0.0.1: athletes with API keys (Basic
 * `API_KEY:<key>`; athlete id `0` is the key's own athlete, another athlete's id is 403), the
 * athlete record with its `timezone`, and wellness records, one per day, that `PUT` merges
 * field by field (`-1` clears a field).
 *
 * @example
 * ```ts
 * import { startIntervalsSim } from '@wg-sync/testkit';
 *
 * const sim = await startIntervalsSim({ athletes: [{ id: 'i12345', timezone: 'Europe/Paris' }] });
 * const { id, apiKey } = sim.athlete;
 * sim.seedWellness(id, '2026-11-20', { weight: 81.4 });
 * // point your client at it: new IntervalsClient({ apiKey, baseUrl: sim.url })
 * sim.faults.add({ status: 429, retryAfterSeconds: 0 }); // the next request is rate limited
 * await sim.close();
 * ```
 */
export async function startIntervalsSim(options: IntervalsSimOptions = {}): Promise<IntervalsSim> {
  const clock = options.clock ?? createClock();
  const faults = new FaultQueue<IntervalsSimFault>();
  const athletes = new Map<string, Athlete>();
  const details = new WeakMap<RecordedRequest, { auth?: IntervalsSimAuth; athleteId?: string }>();
  let nextId = 12_345;

  const athleteOf = (athleteId: string): Athlete => {
    const athlete = athletes.get(athleteId);
    if (!athlete) throw new Error(`intervals.icu sim: no athlete ${athleteId}`);
    return athlete;
  };

  const checkTimezone = (timezone: string) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new Error(`intervals.icu sim: ${JSON.stringify(timezone)} is not an IANA time zone`);
    }
  };

  const addAthlete = (input: IntervalsSimAthleteInput = {}): IntervalsSimAthlete => {
    let id = input.id;
    while (id === undefined || athletes.has(id)) {
      if (input.id !== undefined) throw new Error(`intervals.icu sim: athlete ${id} exists`);
      id = `i${nextId++}`;
    }
    if (!/^[A-Za-z0-9]+$/.test(id) || id === '0') throw new Error(`intervals.icu sim: bad athlete id ${id}`);
    const timezone = input.timezone ?? 'Europe/Berlin';
    checkTimezone(timezone);
    const athlete: Athlete = {
      id,
      apiKey: input.apiKey ?? randomBytes(18).toString('base64url'),
      name: input.name ?? `Sim Athlete ${id}`,
      timezone,
      records: new Map(),
    };
    athletes.set(id, athlete);
    return publicAthlete(athlete);
  };

  const emptyRecord = (date: string): IntervalsSimWellness => {
    const fields = Object.fromEntries(INTERVALS_SIM_FIELDS.map((field) => [field, null])) as Record<
      IntervalsSimField,
      null
    >;
    return {
      id: date,
      ctl: null,
      atl: null,
      rampRate: null,
      ...fields,
      comments: null,
      locked: null,
      sportInfo: [],
      updated: clock.now().toISOString(),
    };
  };

  /** Merges `fields` into the day's record: a number sets, `-1` clears, `null`/absent keeps. */
  const merge = (athlete: Athlete, date: string, fields: Record<string, unknown>, nullClears: boolean) => {
    const record = athlete.records.get(date) ?? emptyRecord(date);
    for (const field of INTERVALS_SIM_FIELDS) {
      const value = fields[field];
      if (value === undefined || (value === null && !nullClears)) continue;
      record[field] = value === null || value === -1 ? null : (value as number);
    }
    record.updated = clock.now().toISOString();
    athlete.records.set(date, record);
    return structuredClone(record);
  };

  /** 401 without usable credentials, 404 for an unknown athlete, 403 for someone else's. */
  const authorize = (request: Request, pathId: string, recorded: RecordedRequest) => {
    const note = (auth: IntervalsSimAuth, athleteId?: string) =>
      details.set(recorded, { auth, ...(athleteId ? { athleteId } : {}) });
    const header = request.headers.get('authorization');
    if (!header) {
      note('missing');
      return { error: unauthorized() };
    }
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    if (!decoded.startsWith('API_KEY:')) {
      note('invalid');
      return { error: unauthorized() };
    }
    const key = decoded.slice('API_KEY:'.length);
    const owner = [...athletes.values()].find((athlete) => athlete.apiKey === key);
    if (!owner) {
      note('unknown-key');
      return { error: unauthorized() };
    }
    const id = decodeURIComponent(pathId);
    if (id === '0' || id === owner.id) {
      note('ok', owner.id);
      return { athlete: owner };
    }
    note('other-athlete', owner.id);
    if (!athletes.has(id)) return { error: errorBody(404, `Athlete ${id} not found`) };
    return { error: errorBody(403, 'Access denied') };
  };

  const route = async (request: Request, recorded: RecordedRequest): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const one = ATHLETE.exec(path);
    const list = WELLNESS.exec(path);
    const day = WELLNESS_DAY.exec(path);
    const pathId = (one ?? list ?? day)?.[1];
    if (pathId === undefined) return errorBody(404);
    const { athlete, error } = authorize(request, pathId, recorded);
    if (!athlete) return error;

    if (one) {
      if (request.method !== 'GET') return errorBody(405);
      return json({
        id: athlete.id,
        name: athlete.name,
        firstname: athlete.name.split(' ')[0] ?? null,
        lastname: null,
        sex: null,
        city: null,
        country: null,
        timezone: athlete.timezone,
        locale: 'en',
        measurement_preference: 'meters',
        icu_weight: null,
        icu_resting_hr: null,
        icu_date_of_birth: null,
        status: 'ACTIVE',
      });
    }
    if (list) {
      if (request.method !== 'GET') return errorBody(405);
      const query = new URL(request.url).searchParams;
      const oldest = query.get('oldest');
      const newest = query.get('newest');
      if (!isDay(oldest)) return errorBody(400, `oldest: expected YYYY-MM-DD, got ${JSON.stringify(oldest)}`);
      if (!isDay(newest)) return errorBody(400, `newest: expected YYYY-MM-DD, got ${JSON.stringify(newest)}`);
      const records = [...athlete.records.values()]
        .filter((record) => record.id >= oldest && record.id <= newest)
        .sort((a, b) => a.id.localeCompare(b.id));
      return json(records);
    }
    const date = decodeURIComponent((day as RegExpExecArray)[2] as string);
    if (!isDay(date)) return errorBody(400, `date: expected YYYY-MM-DD, got ${JSON.stringify(date)}`);
    if (request.method === 'GET') {
      return json(athlete.records.get(date) ?? emptyRecord(date));
    }
    if (request.method !== 'PUT') return errorBody(405);
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return errorBody(400, 'JSON parse error');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return errorBody(422, 'Expected a JSON object');
    }
    const fields = body as Record<string, unknown>;
    for (const field of INTERVALS_SIM_FIELDS) {
      const value = fields[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || (value < 0 && value !== -1)) {
        return errorBody(422, `${field}: expected a number (or -1 to clear)`);
      }
    }
    if (fields.id !== undefined && fields.id !== date) return errorBody(422, 'id does not match the date');
    return json(merge(athlete, date, fields, false));
  };

  const server = await startHttpServer(
    async (request, recorded) => {
      const path = new URL(request.url).pathname;
      const fault = faults.take(path);
      if (fault === undefined) return route(request, recorded);
      if (fault === 'html-challenge') {
        return new Response(CHALLENGE, {
          status: 403,
          headers: { 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' },
        });
      }
      if (fault === 'empty-body')
        return new Response('', { headers: { 'content-type': 'application/json' } });
      if (fault === 'malformed-json') {
        return new Response('[{"id":"2026-11-20","weight":', {
          headers: { 'content-type': 'application/json' },
        });
      }
      if ('delayMs' in fault) {
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs).unref());
        return route(request, recorded);
      }
      if ('rewrite' in fault) {
        const real = await route(request, recorded);
        if (!real.headers.get('content-type')?.includes('json')) return real;
        const rewritten = fault.rewrite(await real.json());
        return json(rewritten, real.status);
      }
      return statusFault(fault);
    },
    { latencyMs: options.latencyMs ?? 0, ...(options.port === undefined ? {} : { port: options.port }) },
  );

  for (const input of options.athletes ?? [{}]) addAthlete(input);
  const first = [...athletes.values()][0] as Athlete;

  const sim: IntervalsSim = {
    url: server.url,
    clock,
    faults,
    get athlete() {
      return publicAthlete(first);
    },
    get requests() {
      return server.requests.map((recorded) => redactedRequest(recorded, details.get(recorded)));
    },
    get latencyMs() {
      return server.latencyMs;
    },
    set latencyMs(ms: number) {
      server.latencyMs = ms;
    },
    addAthlete,
    getAthlete: (athleteId) => publicAthlete(athleteOf(athleteId)),
    setTimezone(athleteId, timezone) {
      checkTimezone(timezone);
      athleteOf(athleteId).timezone = timezone;
    },
    today(athleteId) {
      return dayIn(clock.now(), athleteOf(athleteId).timezone);
    },
    wellness: (athleteId) =>
      [...athleteOf(athleteId).records.values()]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((record) => structuredClone(record)),
    seedWellness(athleteId, date, fields: IntervalsSimWellnessInput) {
      if (!isDay(date)) throw new Error(`intervals.icu sim: ${JSON.stringify(date)} is not YYYY-MM-DD`);
      return merge(athleteOf(athleteId), date, fields, true);
    },
    secrets: () =>
      [...athletes.values()].flatMap((athlete) => {
        const basic = basicAuth(athlete.apiKey);
        return [athlete.apiKey, basic, basic.slice('Basic '.length)];
      }),
    close: () => server.close(),
  };
  return sim;
}

function publicAthlete({ id, apiKey, name, timezone }: Athlete): IntervalsSimAthlete {
  return { id, apiKey, name, timezone };
}

function statusFault(fault: Extract<IntervalsSimFault, { status: number }>): Response {
  const { status } = fault;
  const html = status >= 500;
  const reason = REASONS[status] ?? 'Error';
  const body =
    fault.body ??
    (html
      ? `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
      : JSON.stringify({ status, error: reason }));
  const headers: Record<string, string> = {
    'content-type': fault.contentType ?? (html ? 'text/html' : 'application/json;charset=UTF-8'),
  };
  const retryAfter = fault.retryAfterSeconds === undefined ? 30 : fault.retryAfterSeconds;
  if (status === 429 && retryAfter !== null) headers['retry-after'] = String(retryAfter);
  // A null-body status (204, 304) cannot carry a body in a Web Response.
  const empty = status === 204 || status === 205 || status === 304;
  return new Response(empty ? null : body, { status, headers: { ...headers, ...fault.headers } });
}

function redactedRequest(
  recorded: RecordedRequest,
  extra: { auth?: IntervalsSimAuth; athleteId?: string } | undefined,
): IntervalsSimRequest {
  const headers = { ...recorded.headers };
  if (headers.authorization !== undefined) {
    headers.authorization = /^Basic\s/i.test(headers.authorization) ? 'Basic [redacted]' : '[redacted]';
  }
  return {
    method: recorded.method,
    path: recorded.path,
    query: new URLSearchParams(recorded.query),
    headers,
    body: recorded.body,
    ...(extra?.auth ? { auth: extra.auth } : {}),
    ...(extra?.athleteId ? { athleteId: extra.athleteId } : {}),
    ...(recorded.status === undefined ? {} : { status: recorded.status }),
    receivedAt: recorded.receivedAt,
  };
}

/** `YYYY-MM-DD` of `at` in `timeZone`. */
function dayIn(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
