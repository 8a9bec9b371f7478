import { Encoder, Profile } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { EMAIL, type Json, rawClient, signedInSim, useSim } from './garmin-helpers.js';

/** A FIT weight file of `count` daily weigh-ins, written with Garmin's encoder. */
function weightFit(count: number): Uint8Array {
  const encoder = new Encoder();
  const write = (m: Record<string, unknown>) => encoder.writeMesg(m as never);
  write({ mesgNum: Profile.MesgNum.FILE_ID, type: 'weight', manufacturer: 'development', product: 0 });
  for (let i = 0; i < count; i += 1) {
    write({
      mesgNum: Profile.MesgNum.WEIGHT_SCALE,
      timestamp: new Date(Date.UTC(2026, 10, 1 + i, 6)),
      weight: 80 + i / 10,
    });
  }
  return encoder.close();
}

describe('Garmin simulator: oversized uploads', () => {
  it('uploadLimits: a file over maxEntries gets a 504 and is not stored; one within passes', async () => {
    const { sim, raw, access_token } = await signedInSim({ uploadLimits: { maxEntries: 2 } });
    const big = await raw.upload(access_token, weightFit(3));
    expect(big.status).toBe(504);
    expect(big.headers.get('content-type')).toContain('text/html');
    expect(big.headers.get('server')).toBeNull(); // not a Cloudflare page: an upstream failure
    expect(sim.weighIns(EMAIL)).toHaveLength(0);
    expect((await raw.upload(access_token, weightFit(2))).status).toBe(202);
    expect(sim.weighIns(EMAIL)).toHaveLength(2);
    expect(sim.uploads().map((u) => [u.status, u.entries, u.stored])).toEqual([
      [504, 3, 0],
      [202, 2, 2],
    ]);
  });

  it('uploadLimits: maxBytes, 413 instead of 504, "504 but stored", and settable at run time', async () => {
    const { sim, raw, access_token } = await signedInSim();
    const file = weightFit(5);
    expect(sim.uploadLimits).toBeUndefined();
    sim.uploadLimits = { maxBytes: file.length - 1, status: 413 };
    const refused = await raw.upload(access_token, file);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({
      message: 'HTTP 413 Payload Too Large',
      error: 'PayloadTooLargeException',
    });
    expect(sim.weighIns(EMAIL)).toHaveLength(0);

    sim.uploadLimits = { maxBytes: file.length - 1, storedAnyway: true };
    expect((await raw.upload(access_token, file)).status).toBe(504);
    expect(sim.weighIns(EMAIL)).toHaveLength(5); // the gateway gave up, the file was stored

    sim.uploadLimits = undefined;
    expect((await raw.upload(access_token, file)).status).toBe(202);
    expect(sim.uploads().map((u) => [u.status, u.stored])).toEqual([
      [413, 0],
      [504, 5],
      [202, 5],
    ]);
  });

  it('faults gateway-timeout, gateway-timeout-stored and payload-too-large hit uploads only', async () => {
    const { sim, raw, access_token } = await signedInSim();
    sim.faults.add('gateway-timeout');
    sim.faults.add('gateway-timeout-stored');
    sim.faults.add('payload-too-large');
    // Reads are not touched by upload faults.
    expect((await raw.api(access_token, '/userprofile-service/socialProfile')).status).toBe(200);
    expect((await raw.upload(access_token, weightFit(1))).status).toBe(504);
    expect(sim.weighIns(EMAIL)).toHaveLength(0);
    expect((await raw.upload(access_token, weightFit(1))).status).toBe(504);
    expect(sim.weighIns(EMAIL)).toHaveLength(1);
    expect((await raw.upload(access_token, weightFit(1))).status).toBe(413);
    expect(sim.weighIns(EMAIL)).toHaveLength(1);
    expect(sim.faults.size).toBe(0);
  });
});

describe('Garmin simulator: rewrite-json', () => {
  it('passes the normal answer through rewrite (mutate or return), keeping the status', async () => {
    const { sim, raw, access_token } = await signedInSim();
    sim.faults.add({
      kind: 'rewrite-json',
      rewrite: (body) => {
        delete (body as Json).garminGUID;
      },
    });
    sim.faults.add({ kind: 'rewrite-json', rewrite: () => ({ displayName: 'renamed' }) });
    const first = (await (await raw.api(access_token, '/userprofile-service/socialProfile')).json()) as Json;
    expect(first.garminGUID).toBeUndefined();
    expect(first.profileId).toEqual(expect.any(Number));
    const second = await raw.api(access_token, '/userprofile-service/socialProfile');
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ displayName: 'renamed' });
    const third = (await (await raw.api(access_token, '/userprofile-service/socialProfile')).json()) as Json;
    expect(third.garminGUID).toEqual(expect.any(String));
  });

  it('rewrites the token endpoint too; refuses a rewrite-json fault without a function', async () => {
    const sim = await useSim();
    const raw = rawClient(sim);
    sim.faults.add(
      { kind: 'rewrite-json', rewrite: (body) => ({ ...(body as Json), scope: ['CONNECT_READ'] }) },
      1,
      '/di-oauth2-service/oauth/token',
    );
    const tokens = (await raw.accessToken()) as Json;
    expect(tokens.scope).toEqual(['CONNECT_READ']);
    expect(() => sim.faults.add('rewrite-json')).toThrow(/rewrite function/);
  });
});
