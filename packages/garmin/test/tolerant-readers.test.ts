import { encodeWeightFit } from '@wg-sync/fit';
import type { GarminSim } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { refreshGarminTokens } from '../src/index.js';
import { clientFor, EMAIL, failure, login, useSim } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the rewrites edit plain JSON answers key by key
type Json = Record<string, any>;

const RANGE = /^\/weight-service\/weight\/range\//;
const BP_RANGE = /^\/bloodpressure-service\/bloodpressure\/range\//;
const PROFILE = '/userprofile-service/socialProfile';
const UPLOAD = /^\/upload-service\/upload/;
const TOKEN = '/di-oauth2-service/oauth/token';
const FROM = new Date('2026-11-01T00:00:00Z');
const TO = new Date('2026-11-30T00:00:00Z');

/** The next answer on `path` goes through `rewrite` (the simulator's real answer, then edited). */
function rewriteNext(sim: GarminSim, path: string | RegExp, rewrite: (body: Json) => unknown) {
  sim.faults.add({ kind: 'rewrite-json', rewrite: (body) => rewrite(body as Json) }, 1, path);
}

async function seededWeight() {
  const sim = await useSim();
  sim.addWeighIn(EMAIL, {
    timestamp: new Date('2026-11-20T06:31:07Z'),
    weightKg: 81.37,
    fatPercent: 21.5,
    boneMassKg: 3.2,
    bmi: 24.6,
  });
  sim.addWeighIn(EMAIL, { timestamp: new Date('2026-11-22T06:10:00Z'), weightKg: 81.1 });
  // Outside the range: makes previousDateWeight/nextDateWeight real entries.
  sim.addWeighIn(EMAIL, { timestamp: new Date('2026-10-01T06:00:00Z'), weightKg: 82 });
  sim.addWeighIn(EMAIL, { timestamp: new Date('2026-12-20T06:00:00Z'), weightKg: 80 });
  return { sim, client: await clientFor(sim) };
}

/** A PROTOCOL error whose message names `path` and says what is wrong, without any value. */
function expectProtocol(error: Error & Record<string, unknown>, path: string, problem: RegExp) {
  expect(error).toMatchObject({ name: 'GarminApiError', code: 'PROTOCOL' });
  expect(error.message).toContain(`: ${path} `);
  expect(error.message.slice(error.message.indexOf(`: ${path} `) + path.length + 3)).toMatch(problem);
}

describe('tolerant readers: the weight range', () => {
  it('ignores keys nobody reads: missing previousDateWeight.bmi, a 4-key nextDateWeight, no totalAverage or summaries', async () => {
    const { sim, client } = await seededWeight();
    rewriteNext(sim, RANGE, (body) => {
      delete body.previousDateWeight.bmi;
      body.nextDateWeight = { samplePk: null, date: null, weight: null, timestampGMT: null };
      delete body.totalAverage;
      for (const day of body.dailyWeightSummaries) {
        delete day.summaryDate;
        delete day.numOfWeightEntries;
        day.latestWeight = 'renamed: latestWeighIn';
        day.minWeight = null;
        for (const entry of day.allWeightMetrics) {
          for (const key of [
            'date',
            'weightDelta',
            'physiqueRating',
            'metabolicAge',
            'sourceType',
            'calendarDate',
          ])
            delete entry[key];
          entry.bodyWater = null;
          entry.newGarminField = { nested: true };
        }
      }
    });
    const list = await client.listWeighIns({ from: FROM, to: TO });
    expect(list.map((w) => [w.takenAt.toISOString(), w.weightKg, w.calendarDate, w.sourceType])).toEqual([
      ['2026-11-20T06:31:07.000Z', 81.37, '2026-11-20', null],
      ['2026-11-22T06:10:00.000Z', 81.1, '2026-11-22', null],
    ]);
    expect(list[0]).toMatchObject({ fatPercent: 21.5, boneMassKg: 3.2, bmi: 24.6 });
    expect(list[0]).not.toHaveProperty('hydrationPercent');
    expect(list[0]).not.toHaveProperty('physiqueRating');
  });

  it('a weigh-in without samplePk, or with a null weight, is PROTOCOL naming the field', async () => {
    const { sim, client } = await seededWeight();
    rewriteNext(sim, RANGE, (body) => {
      delete body.dailyWeightSummaries[1].allWeightMetrics[0].samplePk;
    });
    expectProtocol(
      await failure(client.listWeighIns({ from: FROM, to: TO })),
      'dailyWeightSummaries.1.allWeightMetrics.0.samplePk',
      /^is missing/,
    );
    rewriteNext(sim, RANGE, (body) => {
      body.dailyWeightSummaries[0].allWeightMetrics[0].weight = null;
    });
    expectProtocol(
      await failure(client.listWeighIns({ from: FROM, to: TO })),
      'dailyWeightSummaries.0.allWeightMetrics.0.weight',
      /^should be a number, got null/,
    );
    rewriteNext(sim, RANGE, (body) => {
      for (const day of body.dailyWeightSummaries) delete day.allWeightMetrics;
    });
    expectProtocol(
      await failure(client.listWeighIns({ from: FROM, to: TO })),
      'dailyWeightSummaries.0.allWeightMetrics',
      /^is missing/,
    );
  });
});

describe('tolerant readers: blood pressure', () => {
  async function seeded() {
    const sim = await useSim();
    const client = await clientFor(sim);
    await client.addBloodPressure({
      takenAt: new Date('2026-11-20T07:40:00Z'),
      systolic: 122,
      diastolic: 78,
      pulse: 61,
      timeZone: 'Europe/Berlin',
    });
    return { sim, client };
  }

  it('a sparse range answer (no from/until, stats, pulse, notes, category) still lists the reading', async () => {
    const { sim, client } = await seeded();
    rewriteNext(sim, BP_RANGE, (body) => {
      delete body.from;
      delete body.until;
      delete body.categoryStats;
      for (const summary of body.measurementSummaries) {
        for (const key of ['startDate', 'endDate', 'highSystolic', 'numOfMeasurements', 'category'])
          delete summary[key];
        for (const m of summary.measurements) {
          for (const key of ['pulse', 'notes', 'sourceType', 'categoryName', 'multiMeasurement'])
            delete m[key];
          m.category = null;
        }
      }
    });
    const [reading, ...rest] = await client.listBloodPressure({ from: FROM, to: TO });
    expect(rest).toEqual([]);
    expect(reading).toEqual({
      version: expect.any(Number),
      takenAt: new Date('2026-11-20T07:40:00Z'),
      localTime: '2026-11-20T08:40:00.0',
      calendarDate: '2026-11-20',
      systolic: 122,
      diastolic: 78,
      sourceType: null,
    });
  });

  it('a reading without measurementTimestampGMT is PROTOCOL naming the field', async () => {
    const { sim, client } = await seeded();
    rewriteNext(sim, BP_RANGE, (body) => {
      delete body.measurementSummaries[0].measurements[0].measurementTimestampGMT;
    });
    expectProtocol(
      await failure(client.listBloodPressure({ from: FROM, to: TO })),
      'measurementSummaries.0.measurements.0.measurementTimestampGMT',
      /^is missing/,
    );
  });
});

describe('tolerant readers: socialProfile', () => {
  it('only displayName matters: renamed or retyped neighbours do not fail the session check', async () => {
    const sim = await useSim({
      accounts: [{ email: EMAIL, password: 'pw-0123456789', displayName: 'ana.g' }],
    });
    const client = await clientFor(sim, {}, EMAIL, 'pw-0123456789');
    rewriteNext(sim, PROFILE, (body) => ({
      displayName: body.displayName,
      profileId: String(body.profileId), // a number until now
      garminGUID: null,
      fullName: { first: 'Ana', last: 'G' },
    }));
    await expect(client.verifySession()).resolves.toEqual({ displayName: 'ana.g' });
  });

  it('no displayName is PROTOCOL naming it', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    rewriteNext(sim, PROFILE, (body) => {
      delete body.displayName;
    });
    expectProtocol(await failure(client.verifySession()), 'displayName', /^is missing/);
  });
});

describe('tolerant readers: the upload result', () => {
  const FILE = encodeWeightFit([{ timestamp: new Date('2026-11-20T06:31:07Z'), weightKg: 81.37 }]);

  it('an envelope with a retyped uploadUuid, no successes and no fileName is still accepted', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    rewriteNext(sim, UPLOAD, (body) => {
      const result = body.detailedImportResult;
      result.uploadUuid = result.uploadUuid.uuid; // an object until now
      delete result.successes;
      delete result.fileName;
      result.report = { status: 'renamed' };
    });
    await expect(client.uploadFit(FILE)).resolves.toEqual({
      uploadId: expect.stringMatching(/^\d+$/),
      status: 'accepted',
    });
  });

  it('a duplicate whose message code is a string is still a duplicate', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add('duplicate-upload');
    // The 409 is produced by the fault; the string code goes through a second, real upload answer.
    await expect(client.uploadFit(FILE)).resolves.toMatchObject({ status: 'duplicate' });
    rewriteNext(sim, UPLOAD, (body) => {
      body.detailedImportResult.failures = [
        { internalId: '21503318641', messages: [{ code: '202', content: 'Duplicate Activity.' }] },
      ];
    });
    await expect(client.uploadFit(FILE)).resolves.toMatchObject({ status: 'duplicate' });
  });

  it('no detailedImportResult, or no uploadId, is PROTOCOL naming it', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    rewriteNext(sim, UPLOAD, (body) => ({ importResult: body.detailedImportResult }));
    expectProtocol(await failure(client.uploadFit(FILE)), 'detailedImportResult', /^is missing/);
    rewriteNext(sim, UPLOAD, (body) => {
      delete body.detailedImportResult.uploadId;
    });
    const error = await failure(client.uploadFit(FILE));
    expect(error).toMatchObject({ code: 'PROTOCOL' });
    expect(error.message).toMatch(/without an uploadId/);
  });
});

describe('tolerant readers: the DI token answer', () => {
  it('only the two tokens are read: expires_in, scope and token_type may change shape', async () => {
    const sim = await useSim();
    const tokens = await login(sim);
    rewriteNext(sim, TOKEN, (body) => {
      delete body.expires_in;
      delete body.token_type;
      body.scope = body.scope.split(' '); // a string until now
      body.refresh_token_expires_in = String(body.refresh_token_expires_in);
    });
    const fresh = await refreshGarminTokens(tokens, { urls: sim.urls });
    expect(fresh.accessToken).not.toBe(tokens.accessToken);
    expect(fresh.refreshToken).not.toBe(tokens.refreshToken);
    expect(fresh.expiresAt?.getTime()).toBeGreaterThan(Date.now()); // from the JWT, not expires_in
  });

  it('a missing or mistyped access_token is PROTOCOL naming it, never quoting a token', async () => {
    const sim = await useSim();
    let tokens = await login(sim);
    rewriteNext(sim, TOKEN, (body) => {
      delete body.access_token;
    });
    let error = await failure(refreshGarminTokens(tokens, { urls: sim.urls }));
    expectProtocol(error, 'access_token', /^is missing/);
    for (const secret of sim.secrets()) expect(error.message).not.toContain(secret);

    tokens = await login(sim);
    rewriteNext(sim, TOKEN, (body) => ({ ...body, access_token: { value: body.access_token } }));
    error = await failure(refreshGarminTokens(tokens, { urls: sim.urls }));
    expectProtocol(error, 'access_token', /^should be a string, got an object/);
    for (const secret of sim.secrets()) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
  });
});
