import { createSync, memoryStore, type Sync } from '@wg-sync/core';
import { decodeWeightFit, encodeWeightFit, FitEncodeError, type WeightEntry } from '@wg-sync/fit';
import { type GarminSim, startGarminSim, startWithingsSim, type WithingsSim } from '@wg-sync/testkit';
import { parseNotification, WithingsNotificationError } from '@wg-sync/withings';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Seeded and bounded in CI; FAULTS_LONG=1 runs 20× more cases, FAULTS_SEED=<n> replays a run.
const LONG = process.env.FAULTS_LONG === '1';
const runs = (n: number) => ({
  numRuns: LONG ? n * 20 : n,
  seed: Number(process.env.FAULTS_SEED ?? 20261125),
});
const SECRET = 'fuzz-hook-secret-0123456789';
const TOKEN = 'fuzz-api-token-0123456789';

let withings: WithingsSim;
let garmin: GarminSim;
let sync: Sync;
let store: ReturnType<typeof memoryStore>;
let userId: string;

beforeAll(async () => {
  withings = await startWithingsSim();
  garmin = await startGarminSim();
  store = memoryStore();
  sync = createSync({
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls },
    store,
    webhookSecret: SECRET,
    apiToken: TOKEN,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  userId = withings.addUser();
  const { garminLogin } = await import('@wg-sync/garmin');
  await sync.accounts.link({
    withings: withings.issueTokens(userId),
    garmin: await garminLogin({
      email: 'user@example.com',
      password: 'correct horse battery staple',
      urls: garmin.urls,
    }),
  });
});
afterAll(async () => {
  await withings?.close();
  await garmin?.close();
});

const snapshot = async () => ({
  state: (await store.list('')).map((e) => `${e.key}@${e.version}`).join(','),
  upstream: withings.requests.length + garmin.requests.length,
});
/** The entries a forged notification may touch: the known user's pending record and debounce window. */
const hintKeys = () => new Set([`pending/${userId}`, `debounce/${userId}`]);
const changedKeys = (before: string, after: string) => {
  const old = new Set(before.split(','));
  return after
    .split(',')
    .filter((entry) => entry && !old.has(entry))
    .map((entry) => entry.split('@')[0] ?? entry);
};

const validBody = () => `userid=${userId}&appli=1&startdate=1741588937&enddate=1741588938`;
const bodyArb = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('', '&&&', '=', 'userid', 'userid=', '%', '%E0%A4%A'),
  fc.integer({ min: 4000, max: 9000 }).map((n) => `${'userid=1&'.repeat(2)}pad=${'x'.repeat(n)}`),
  // a real notification with one field mutated
  fc
    .tuple(
      fc.constantFrom('userid', 'appli', 'startdate', 'enddate'),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.integer().map(String),
        fc.constantFrom('-1', '1e3', '0x10', '', '1.5', '99999999999999999999'),
      ),
    )
    .map(([field, value]) =>
      validBody().replace(new RegExp(`${field}=[^&]*`), `${field}=${encodeURIComponent(value)}`),
    ),
  // Built lazily: the user id exists only once beforeAll has run.
  fc.constant(null).map(() => `${validBody()}&${validBody()}`),
  fc.constant(null).map(() => validBody()),
  fc.constantFrom(
    `userid=999999&appli=1&startdate=1&enddate=2`,
    `userid=${'1'}&appli=46&action=unlink&startdate=1&enddate=1`,
  ),
  // What a stranger who knows (or guesses) a user id sends: any appli and action, any window.
  fc
    .record({
      user: fc.oneof(
        fc.constant('known'),
        fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }).map(String),
        fc.constantFrom('1', '999999', '9007199254740991'),
      ),
      appli: fc.oneof(
        fc.constantFrom(1, 4, 16, 44, 46, 50, 51, 62),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      ),
      action: fc.option(fc.constantFrom('unlink', 'delete', 'update', 'x'), { nil: undefined }),
      start: fc.oneof(fc.constantFrom(1, 86_400, 1_000_000_000), fc.integer({ min: 1, max: 2 ** 32 - 1 })),
      span: fc.nat({ max: 10 * 365 * 86_400 }),
      // Event notifications (46 unlink, 50/51 in and out of bed) are documented without a window.
      dateless: fc.boolean(),
    })
    .map(
      ({ user, appli, action, start, span, dateless }) =>
        `userid=${user === 'known' ? userId : user}&appli=${appli}${action ? `&action=${action}` : ''}${dateless ? '' : `&startdate=${start}&enddate=${Math.min(2 ** 32 - 1, start + span)}`}`,
    ),
);
const pathArb = fc.oneof(
  fc.constantFrom(
    '/health',
    '/webhook/withings',
    `/webhook/withings/${SECRET}`,
    '/webhook/withings/wrong',
    `/webhook/withings/${SECRET}/extra`,
    '/sync/manual',
    '/status',
    '/',
    '//webhook//withings',
    '/%2e%2e/etc/passwd',
  ),
  fc.webPath(),
);
const randomRequestArb = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path: pathArb,
  query: fc.oneof(
    fc.constant(''),
    fc.constantFrom('?days=3', '?days=9999', '?days=-1', '?userId=abc'),
    fc.webQueryParameters().map((q) => `?${q}`),
  ),
  contentType: fc.oneof(
    fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=UTF-8',
      'APPLICATION/X-WWW-FORM-URLENCODED',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
    ),
    fc.string({ maxLength: 40 }),
    fc.constant(undefined),
  ),
  authorization: fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(`Bearer ${TOKEN}`, 'Bearer nope', 'Basic Zm9vOmJhcg=='),
    fc.string({ maxLength: 30 }),
  ),
  body: bodyArb,
});
// Most random requests die at routing; half of the cases are near-valid webhooks, to reach the parser and the store.
const requestArb = fc.oneof(
  randomRequestArb,
  bodyArb.map((body) => ({
    method: 'POST',
    path: `/webhook/withings/${SECRET}`,
    query: '',
    contentType: 'application/x-www-form-urlencoded' as string | undefined,
    authorization: undefined as string | undefined,
    body,
  })),
);

describe('fuzz: the webhook handler', () => {
  it('never throws, never answers 5xx, and has no side effect for anything it rejects', async () => {
    let deferred = 0;
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const headers = new Headers();
        if (r.contentType !== undefined) {
          try {
            headers.set('content-type', r.contentType);
          } catch {
            return; // not a header value a client could send
          }
        }
        if (r.authorization !== undefined) {
          try {
            headers.set('authorization', r.authorization);
          } catch {
            return;
          }
        }
        const hasBody = r.method !== 'GET' && r.method !== 'HEAD';
        const request = new Request(`http://fuzz.local${r.path}${r.query}`, {
          method: r.method,
          headers,
          ...(hasBody ? { body: r.body } : {}),
        });
        const before = await snapshot();
        const account = JSON.stringify(await store.get(`account/${userId}`));
        const response = await sync.handler(request, {
          defer: async () => {
            deferred += 1;
          },
        });
        expect(response.status).toBeLessThan(500);
        const text = await response.text();
        const after = await snapshot();
        const manualSync = response.status === 200 && request.url.includes('/sync/manual');
        const webhook = r.method === 'POST' && r.path.startsWith('/webhook/withings');
        if (response.status === 200 && webhook) {
          // One answer for every well-formed notification, and only hints get written.
          expect(text).toBe('{"status":"accepted"}');
          expect(after.upstream).toBe(before.upstream);
          for (const key of changedKeys(before.state, after.state)) expect(hintKeys().has(key)).toBe(true);
          expect(JSON.stringify(await store.get(`account/${userId}`))).toBe(account);
        } else if (!manualSync) {
          expect(after).toEqual(before);
        }
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(TOKEN);
      }),
      runs(300),
    );
    expect(deferred).toBeGreaterThan(0); // valid notifications were among the cases
  });
});

describe('fuzz: parseNotification', () => {
  it('returns a well-formed notification or throws WithingsNotificationError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 400 }),
          fc.string({ unit: 'binary', maxLength: 400 }),
          fc
            .dictionary(
              fc.constantFrom('userid', 'appli', 'startdate', 'enddate', 'date', 'action', 'deviceid', 'x'),
              fc.oneof(fc.nat().map(String), fc.string({ maxLength: 12 })),
            )
            .map((d) => new URLSearchParams(d)),
          fc
            .dictionary(
              fc.constantFrom('userid', 'appli', 'startdate', 'enddate'),
              fc.nat({ max: 2 ** 33 }).map(String),
            )
            .map((d) => new URLSearchParams(d).toString()),
        ),
        (body) => {
          try {
            const n = parseNotification(body);
            expect(n.userId).toMatch(/^[1-9]\d*$/);
            expect(Number.isInteger(n.appli) && n.appli > 0).toBe(true);
            if (n.startDate) {
              expect(n.startDate.getTime()).toBeLessThanOrEqual(n.endDate.getTime());
              expect(n.startDate.getTime()).toBeGreaterThanOrEqual(1000);
            } else {
              // Only event notifications (46 unlink, 50/51 bed, …) may come without a window.
              expect([1, 2, 4, 16, 44]).not.toContain(n.appli);
              expect(n).not.toHaveProperty('endDate');
            }
          } catch (error) {
            expect(error).toBeInstanceOf(WithingsNotificationError);
          }
        },
      ),
      runs(2000),
    );
  });
});

const validEntry = fc.record(
  {
    timestamp: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    weightKg: fc.integer({ min: 1, max: 65_534 }).map((c) => c / 100),
    fatPercent: fc.integer({ min: 0, max: 10_000 }).map((c) => c / 100),
    hydrationPercent: fc.integer({ min: 0, max: 10_000 }).map((c) => c / 100),
    boneMassKg: fc.integer({ min: 0, max: 20_000 }).map((c) => c / 100),
    muscleMassKg: fc.integer({ min: 0, max: 20_000 }).map((c) => c / 100),
    visceralFatRating: fc.integer({ min: 0, max: 254 }),
    physiqueRating: fc.integer({ min: 1, max: 9 }),
    metabolicAge: fc.integer({ min: 0, max: 254 }),
    basalMetKcal: fc.integer({ min: 0, max: 60_000 }).map((q) => q / 4),
    bmi: fc.integer({ min: 0, max: 9_999 }).map((t) => t / 10),
  },
  { requiredKeys: ['timestamp', 'weightKg'] },
);

describe('fuzz: the FIT encoder', () => {
  it('random valid entries round-trip (whole seconds, stored resolution)', () => {
    fc.assert(
      fc.property(fc.array(validEntry, { minLength: 1, maxLength: 20 }), (entries) => {
        const decoded = decodeWeightFit(encodeWeightFit(entries as WeightEntry[])).entries;
        const expected = [...entries]
          .map((e) => ({ ...e, timestamp: new Date(Math.floor(e.timestamp.getTime() / 1000) * 1000) }))
          .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
        expect(decoded).toHaveLength(expected.length);
        expect(decoded).toEqual(expected);
      }),
      runs(200),
    );
  });

  it('random invalid entries throw FitEncodeError and nothing else', () => {
    const bad = fc.oneof(
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1e9, -0.5),
      fc.string(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        validEntry,
        fc.constantFrom(
          'timestamp',
          'weightKg',
          'fatPercent',
          'hydrationPercent',
          'boneMassKg',
          'physiqueRating',
          'metabolicAge',
          'bmi',
        ),
        bad,
        (entry, field, value) => {
          if (field !== 'timestamp' && field !== 'weightKg' && value === null) return; // null optional = absent, valid
          const broken = { ...entry, [field]: value } as unknown as WeightEntry;
          expect(() => encodeWeightFit([broken])).toThrow(FitEncodeError);
        },
      ),
      runs(500),
    );
  });
});
