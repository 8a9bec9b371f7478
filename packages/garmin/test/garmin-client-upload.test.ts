import { FitEncodeError } from '@wg-sync/fit';
import { describe, expect, it } from 'vitest';
import { GarminApiError, GarminUploadError } from '../src/index.js';
import { clientFor, EMAIL, failure, fixture, fixtureBytes, requestsTo, useSim } from './helpers.js';

const UPLOAD = /^\/upload-service\/upload/;
const FIT = fixtureBytes('fit_weight_sdk_encoder.fit');
const NO_WAIT = { attempts: 2, delayMs: 0 };

describe('GarminClient.uploadFit', () => {
  it('uploads as multipart field "file" with a .fit name; 202 envelope → accepted', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    const result = await client.uploadFit(FIT);
    expect(result).toEqual({ uploadId: expect.stringMatching(/^\d+$/), status: 'accepted' });
    const [request] = requestsTo(sim, UPLOAD);
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.body).toMatch(/Content-Disposition: form-data; name="file"; filename="weight.fit"/);
    expect(sim.uploads()[0]?.bytes).toEqual(FIT);
    const stored = sim.weighIns(EMAIL);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      timestampGMT: Date.parse('2026-10-04T05:48:52Z'),
      weight: 68420,
      bodyFat: 18.7,
    });
  });

  it('uploads the python-garminconnect layout file too', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    await client.uploadFit(fixtureBytes('fit_weight_legacy_layout.fit'), {
      filename: 'body_composition.fit',
    });
    const decoded = fixture<{ messages: { weightScaleMesgs: Array<{ weight: number; boneMass: number }> } }>(
      'fit_weight_legacy_layout.decoded.json',
    );
    const [expected] = decoded.messages.weightScaleMesgs;
    const [stored] = sim.weighIns(EMAIL);
    expect(stored?.weight).toBe(Math.round((expected?.weight ?? 0) * 1000)); // 68420 g
    expect(stored?.boneMass).toBe(Math.round((expected?.boneMass ?? 0) * 1000)); // 2940 g
  });

  it('409 → duplicate (Garmin stored nothing new)', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add('duplicate-upload');
    await expect(client.uploadFit(FIT)).resolves.toEqual({ uploadId: '', status: 'duplicate' });
    expect(sim.weighIns(EMAIL)).toHaveLength(0);
  });

  it('non-empty failures in a 2xx → GarminUploadError keeping Garmin’s messages', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add('upload-failure');
    const error = await failure(client.uploadFit(FIT));
    expect(error).toBeInstanceOf(GarminUploadError);
    expect(error.code).toBe('UPSTREAM');
    expect(error.status).toBe(202);
    expect(error.message).toContain('An error occurred with your upload.');
    expect((error as unknown as GarminUploadError).failures[0]?.messages).toEqual([
      { code: 0, content: 'An error occurred with your upload.' },
    ]);
  });

  it('a file Garmin cannot read → GarminUploadError (400 with failures)', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    const corrupt = FIT.slice();
    corrupt[30] = (corrupt[30] ?? 0) ^ 0xff;
    const error = await failure(client.uploadFit(corrupt));
    expect(error).toBeInstanceOf(GarminUploadError);
    expect(error.status).toBe(400);
    expect(error.message).toContain('Invalid FIT file.');
  });

  it.each([
    ['empty-array-upload', /empty list \(\[\]\)/],
    ['empty-body-upload', /empty body/],
  ] as const)('%s → PROTOCOL (a phantom success is an error)', async (fault, message) => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add(fault);
    const error = await failure(client.uploadFit(FIT));
    expect(error).toBeInstanceOf(GarminApiError);
    expect(error.code).toBe('PROTOCOL');
    expect(error.status).toBe(202);
    expect(error.message).toMatch(message);
    expect(requestsTo(sim, UPLOAD)).toHaveLength(1); // a 2xx was seen: never re-sent
  });

  it('a 2xx without detailedImportResult → PROTOCOL', async () => {
    const sim = await useSim();
    const client = await clientFor(sim, {
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input instanceof Request ? input.url : input).includes('/upload-service/'))
          return response;
        return new Response(JSON.stringify({ result: 'ok' }), { status: 202, headers: response.headers });
      },
    });
    const error = await failure(client.uploadFit(FIT));
    expect(error.code).toBe('PROTOCOL');
    expect(error.message).toMatch(/detailedImportResult/);
  });

  it('does not re-send an upload after a 500 (Garmin may have stored it), but does after a 429', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add('server-error', 1, UPLOAD);
    expect((await failure(client.uploadFit(FIT))).code).toBe('UPSTREAM');
    expect(requestsTo(sim, UPLOAD)).toHaveLength(1);

    sim.faults.add({ kind: 'rate-limited', retryAfterSeconds: 0 }, 1, UPLOAD);
    await expect(client.uploadFit(FIT)).resolves.toMatchObject({ status: 'accepted' });
    expect(requestsTo(sim, UPLOAD).map((r) => r.status)).toEqual([500, 429, 202]);
  });

  it('refuses bad input before sending anything', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    await expect(client.uploadFit(new Uint8Array())).rejects.toThrow(TypeError);
    await expect(client.uploadFit(FIT, { filename: 'weight.txt' })).rejects.toThrow(RangeError);
    await expect(client.uploadFit(FIT, { filename: '../x.fit' })).rejects.toThrow(RangeError);
    expect(requestsTo(sim, UPLOAD)).toHaveLength(0);
  });
});

describe('GarminClient.addBodyComposition', () => {
  const entries = [
    {
      timestamp: new Date('2026-11-20T06:31:07Z'),
      weightKg: 81.37,
      fatPercent: 21.5,
      bmi: 24.6,
      boneMassKg: 3.2,
    },
    { timestamp: new Date('2026-11-21T06:29:40Z'), weightKg: 81.1 },
  ];

  it('encodes, uploads once, reads back and returns the stored weigh-ins', async () => {
    const sim = await useSim({
      accounts: [{ email: EMAIL, password: 'correct horse battery staple', timeZone: 'Europe/Berlin' }],
    });
    const client = await clientFor(sim);
    const result = await client.addBodyComposition(entries, { verify: NO_WAIT });
    expect(result.status).toBe('accepted');
    expect(result.weighIns?.map((w) => [w.takenAt.toISOString(), w.weightKg, w.calendarDate])).toEqual([
      ['2026-11-20T06:31:07.000Z', 81.37, '2026-11-20'],
      ['2026-11-21T06:29:40.000Z', 81.1, '2026-11-21'],
    ]);
    expect(result.weighIns?.[0]).toMatchObject({ fatPercent: 21.5, bmi: 24.6, boneMassKg: 3.2 });
    expect(requestsTo(sim, UPLOAD)).toHaveLength(1);
    expect(requestsTo(sim, /weight\/range/)).toHaveLength(1);
    expect(sim.requests.find((r) => UPLOAD.test(r.path))?.body).toContain('filename="body_composition.fit"');
  });

  it('phantom upload (202, nothing stored) → GarminUploadError PROTOCOL after the read-backs', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add('phantom-upload');
    const error = await failure(client.addBodyComposition(entries, { verify: NO_WAIT }));
    expect(error).toBeInstanceOf(GarminUploadError);
    expect(error.code).toBe('PROTOCOL');
    expect(error.message).toMatch(/2 of 2 weigh-ins did not appear .*phantom success/);
    expect(requestsTo(sim, /weight\/range/)).toHaveLength(2);
  });

  it('a duplicate whose weigh-ins are there is fine; verify: false skips the read-back', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    await client.addBodyComposition(entries, { verify: false });
    expect(requestsTo(sim, /weight\/range/)).toHaveLength(0);
    sim.faults.add('duplicate-upload');
    const again = await client.addBodyComposition(entries, { verify: NO_WAIT });
    expect(again.status).toBe('duplicate');
    expect(again.weighIns).toHaveLength(2);
  });

  it('Garmin stores a re-upload as duplicates (and so does the simulator)', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    await client.addBodyComposition(entries, { verify: false });
    await client.addBodyComposition(entries, { verify: false });
    expect(sim.weighIns(EMAIL)).toHaveLength(4);
    const listed = await client.listWeighIns({ from: new Date('2026-11-19'), to: new Date('2026-11-22') });
    expect(listed).toHaveLength(4);
    expect(new Set(listed.map((w) => w.samplePk)).size).toBe(4);
  });

  it('invalid entries → FitEncodeError, nothing sent', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    const error = await failure(client.addBodyComposition([{ timestamp: new Date(), weightKg: -1 }]));
    expect(error).toBeInstanceOf(FitEncodeError);
    expect(requestsTo(sim, UPLOAD)).toHaveLength(0);
  });
});
