import type { WithingsSim } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { WithingsValidationError, withingsOAuth } from '../src/index.js';
import { clientFor, failure, simWithUser } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the answers are plain JSON edited key by key
type Json = Record<string, any>;

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 6, 30, 0));

/** The simulator answers the next call to `endpoint` with this body in a status-0 envelope. */
function serveNext(sim: WithingsSim, endpoint: string, body: Json) {
  sim.faults.add({ http: 200, body: JSON.stringify({ status: 0, body }) }, 1, endpoint);
}

/** The simulator's own getmeas groups for the user, stripped to what the client reads. */
function sparseGroups(sim: WithingsSim, userId: string): Json[] {
  return sim.groups(userId).map((group) => ({
    grpid: group.grpid,
    attrib: group.attrib,
    date: group.date,
    category: group.category,
    measures: group.measures.map(({ value, type, unit }) => ({ value, type, unit })),
    // Renamed or new keys nobody reads:
    model_id: group.modelid,
    hash_deviceid: null,
    timezone: 'Europe/Berlin',
  }));
}

/** A validation error (code UPSTREAM) naming `path`, quoting none of `secrets`. */
function expectNamed(error: Error & { code?: string }, path: string, secrets: string[] = []) {
  expect(error).toBeInstanceOf(WithingsValidationError);
  expect(error.code).toBe('UPSTREAM');
  expect(error.message).toContain(`${path}: `);
  for (const secret of secrets) expect(error.message).not.toContain(secret);
}

describe('tolerant readers: getmeas', () => {
  it('groups without created/modified/deviceid/model, with null more/offset and extra keys, decode', async () => {
    const { sim, userId } = await simWithUser();
    sim.addWeighIn(userId, { takenAt: day(20), weightKg: 81.37, fatPercent: 21.5, notify: false });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    serveNext(sim, '/measure', {
      updatetime: Math.floor(Date.now() / 1000),
      timezone: 'Europe/Berlin',
      measuregrps: sparseGroups(sim, userId),
      more: null,
      offset: null,
      newTopLevelKey: [1, 2, 3],
    });
    const { groups } = await client.getMeasures();
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({
      attribution: 0,
      takenAt: day(20),
      createdAt: day(20), // no created: the measurement date stands in
      modifiedAt: day(20),
      category: 1,
      deviceId: null,
      model: null,
      modelId: null,
    });
    expect(groups[0]?.measures).toEqual([
      { type: 1, value: 81.37 },
      { type: 6, value: 21.5 },
    ]);
  });

  it('a measure without unit (needed to decode the value) is a validation error naming it', async () => {
    const { sim, userId } = await simWithUser();
    sim.addWeighIn(userId, { takenAt: day(20), weightKg: 81.37, notify: false });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const groups = sparseGroups(sim, userId);
    delete groups[0]?.measures[0].unit;
    serveNext(sim, '/measure', { updatetime: 1, timezone: 'UTC', measuregrps: groups, more: 0 });
    expectNamed(await failure(client.getMeasures()), 'measuregrps.0.measures.0.unit');
  });

  it("says in English what was wrong: zod/mini has no messages of its own, the package passes zod's English ones", async () => {
    const { sim, userId } = await simWithUser();
    sim.addWeighIn(userId, { takenAt: day(20), weightKg: 81.37, notify: false });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const groups = sparseGroups(sim, userId);
    (groups[0] as Json).measures[0].unit = 'kg';
    serveNext(sim, '/measure', { updatetime: 1, timezone: 'UTC', measuregrps: groups, more: 0 });
    const error = await failure(client.getMeasures());
    expectNamed(error, 'measuregrps.0.measures.0.unit');
    // Without the English error map, zod/mini says only "Invalid input".
    expect(error.message).toContain(
      'measuregrps.0.measures.0.unit: Invalid input: expected number, received string',
    );
  });
});

describe('tolerant readers: notify list and get', () => {
  it('profiles without comment or expires, with extra keys, are listed', async () => {
    const { sim, userId } = await simWithUser();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    serveNext(sim, '/notify', {
      profiles: [{ appli: 1, callbackurl: 'https://sync.example.org/webhook/withings', is_active: true }],
      total: 1,
    });
    await expect(client.notify.list()).resolves.toEqual([
      { appli: 1, callbackUrl: 'https://sync.example.org/webhook/withings', comment: null, expiresAt: null },
    ]);
    serveNext(sim, '/notify', {
      appli: 1,
      callbackurl: 'https://sync.example.org/webhook/withings',
      extra: {},
    });
    await expect(
      client.notify.get({ callbackUrl: 'https://sync.example.org/webhook/withings' }),
    ).resolves.toMatchObject({
      appli: 1,
      callbackUrl: 'https://sync.example.org/webhook/withings',
      comment: null,
    });
  });

  it('a profile without callbackurl is a validation error naming it (list and get)', async () => {
    const { sim, userId } = await simWithUser();
    const tokens = sim.issueTokens(userId);
    const { client } = clientFor(sim, tokens);
    serveNext(sim, '/notify', { profiles: [{ appli: 1, callback_url: 'https://x.example.org/' }] });
    expectNamed(await failure(client.notify.list()), 'profiles.0.callbackurl', [tokens.accessToken]);
    serveNext(sim, '/notify', { appli: 1 });
    expectNamed(
      await failure(client.notify.get({ callbackUrl: 'https://sync.example.org/webhook/withings' })),
      'callbackurl',
      [tokens.accessToken],
    );
  });
});

describe('tolerant readers: the OAuth token answer', () => {
  const answer = (tokens: { accessToken: string; refreshToken: string }, userId: string) => ({
    userid: Number(userId),
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    expires_in: 10_800,
  });

  it('null scope and token_type, extra csrf_token: still tokens (scope empty)', async () => {
    const { sim, userId } = await simWithUser();
    const issued = sim.issueTokens(userId);
    serveNext(sim, '/v2/oauth2', {
      ...answer(issued, userId),
      scope: null,
      token_type: null,
      csrf_token: 'x',
    });
    const tokens = await withingsOAuth.refreshTokens({
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      baseUrl: sim.url,
      refreshToken: issued.refreshToken,
    });
    expect(tokens).toMatchObject({ userId, accessToken: issued.accessToken, scope: [] });
  });

  it('no refresh_token is a validation error naming it, quoting no token or secret', async () => {
    const { sim, userId } = await simWithUser();
    const issued = sim.issueTokens(userId);
    const { refresh_token: _, ...withoutRefresh } = answer(issued, userId);
    serveNext(sim, '/v2/oauth2', { ...withoutRefresh, scope: 'user.metrics' });
    const error = await failure(
      withingsOAuth.refreshTokens({
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        baseUrl: sim.url,
        refreshToken: issued.refreshToken,
      }),
    );
    expectNamed(error, 'refresh_token', [issued.accessToken, issued.refreshToken, sim.clientSecret]);
    expect(JSON.stringify((error as WithingsValidationError).rawValue)).not.toContain(issued.accessToken);
  });
});
