import { decodeWeightFit, encodeWeightFit, type WeightEntry } from '@wg-sync/fit';
import { type GarminSimFault, startHttpServer } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { GarminClient } from '../src/index.js';
import { clientFor, EMAIL, FAST_RETRY, failure, login, requestsTo, useSim } from './helpers.js';

const UPLOAD = /^\/upload-service\/upload/;

// Our own values: three mornings with body composition.
const ENTRIES: WeightEntry[] = [0, 1, 2].map((day) => ({
  timestamp: new Date(Date.UTC(2026, 10, 20 + day, 6, 31, 7)),
  weightKg: 81.37 - day / 10,
  fatPercent: 21.5,
  hydrationPercent: 55.1,
  boneMassKg: 3.2,
  muscleMassKg: 36.4,
  bmi: 24.6,
}));

/** What Garmin received, decoded: every entry of the file we sent must be in it. */
function expectSameFile(received: Uint8Array | undefined, sent: Uint8Array) {
  expect(received).toEqual(sent);
  expect(decodeWeightFit(received as Uint8Array).entries).toEqual(decodeWeightFit(sent).entries);
  expect(decodeWeightFit(received as Uint8Array).entries.map((e) => e.weightKg)).toEqual([
    81.37, 81.27, 81.17,
  ]);
}

describe('GarminClient.uploadFit re-sends the whole file on every attempt', () => {
  it.each<[string, GarminSimFault]>([
    ['401 (expired token) → refresh → retry', 'expired-token'],
    ['429 → retry', { kind: 'rate-limited', retryAfterSeconds: 0 }],
    ['503 → retry', 'unavailable'],
  ])('%s: the retry carries a complete, decodable FIT file, stored once', async (_, fault) => {
    const sim = await useSim();
    const client = await clientFor(sim);
    const bytes = encodeWeightFit(ENTRIES);
    sim.faults.add(fault, 1, UPLOAD);
    await expect(client.uploadFit(bytes)).resolves.toMatchObject({ status: 'accepted' });

    const attempts = requestsTo(sim, UPLOAD, 'POST');
    expect(attempts).toHaveLength(2);
    // Each attempt carried the file part (the FIT header's ".FIT" signature), not an emptied body.
    for (const attempt of attempts) {
      expect(attempt.body).toContain('filename="weight.fit"');
      expect(attempt.body).toContain('.FIT');
    }
    const received = sim.uploads();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ status: 202, entries: 3, stored: 3 });
    expectSameFile(received[0]?.bytes, bytes);
    expect(sim.weighIns(EMAIL).map((w) => w.weight)).toEqual([81370, 81270, 81170]);
  });

  it('401, then 429, then 503 on one upload: four attempts, one complete file stored once', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    const bytes = encodeWeightFit(ENTRIES);
    sim.faults.add('expired-token', 1, UPLOAD);
    sim.faults.add({ kind: 'rate-limited', retryAfterSeconds: 0 }, 1, UPLOAD);
    sim.faults.add('unavailable', 1, UPLOAD);
    const before = client.tokens.accessToken;
    await expect(client.uploadFit(bytes)).resolves.toMatchObject({ status: 'accepted' });

    const attempts = requestsTo(sim, UPLOAD, 'POST');
    expect(attempts).toHaveLength(4);
    // The 401 made the client refresh: later attempts carry the new token.
    expect(attempts[0]?.headers.authorization).toBe(`Bearer ${before}`);
    expect(attempts[3]?.headers.authorization).toBe(`Bearer ${client.tokens.accessToken}`);
    expect(client.tokens.accessToken).not.toBe(before);
    expect(new Set(attempts.map((a) => a.body.length)).size).toBe(1); // same size every time
    expect(sim.uploads()).toHaveLength(1);
    expectSameFile(sim.uploads()[0]?.bytes, bytes);
    expect(sim.weighIns(EMAIL)).toHaveLength(3);
  });

  it('the caller reusing its buffer after the call does not change what a retry sends', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    const bytes = encodeWeightFit(ENTRIES);
    const original = bytes.slice();
    sim.faults.add('unavailable', 1, UPLOAD);
    sim.latencyMs = 20;
    const upload = client.uploadFit(bytes);
    bytes.fill(0); // the caller recycles the buffer while the first attempt is in flight
    await upload;
    expectSameFile(sim.uploads()[0]?.bytes, original);
  });
});

describe('GarminClient.uploadFit: answers to big files', () => {
  it.each([
    ['gateway-timeout', 504, 0],
    ['gateway-timeout-stored', 504, 3],
    ['payload-too-large', 413, 0],
  ] as const)(
    '%s → UPSTREAM with status %i, never re-sent (Garmin may have it: %i stored)',
    async (fault, status, stored) => {
      const sim = await useSim();
      const client = await clientFor(sim);
      sim.faults.add(fault);
      const error = await failure(client.uploadFit(encodeWeightFit(ENTRIES)));
      expect(error).toMatchObject({ name: 'GarminApiError', code: 'UPSTREAM', status });
      expect(requestsTo(sim, UPLOAD, 'POST')).toHaveLength(1);
      expect(sim.weighIns(EMAIL)).toHaveLength(stored);
    },
  );

  it('a Cloudflare-branded 504 page is an upstream failure (UPSTREAM 504), not a block', async () => {
    const sim = await useSim();
    const tokens = await login(sim);
    const gateway = await startHttpServer(
      () =>
        new Response(
          '<!DOCTYPE html><html><head><title>504 Gateway time-out | cloudflare</title></head></html>',
          {
            status: 504,
            headers: { 'content-type': 'text/html', server: 'cloudflare', 'cf-ray': '0000000000000000-FRA' },
          },
        ),
    );
    try {
      const client = new GarminClient({
        tokens,
        urls: { ...sim.urls, connectapi: gateway.url },
        retry: FAST_RETRY,
      });
      const error = await failure(client.uploadFit(encodeWeightFit(ENTRIES)));
      expect(error).toMatchObject({ code: 'UPSTREAM', status: 504 });
      expect(gateway.requests).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });
});
