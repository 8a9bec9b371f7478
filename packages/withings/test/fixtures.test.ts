import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WithingsApiError, WithingsClient, type WithingsTokens, withingsOAuth } from '../src/index.js';

const dir = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, dir), 'utf8');
const serve = (body: string) => async () => new Response(body);
const tokens: WithingsTokens = {
  userId: '41865207',
  accessToken: 'a',
  refreshToken: 'r',
  expiresAt: new Date(Date.now() + 3600_000),
  scope: [],
};
const clientAnswering = (body: string) =>
  new WithingsClient({ clientId: 'c', clientSecret: 's', tokens, fetch: serve(body) });
const clientServing = (name: string) => clientAnswering(fixture(name));
/** What notify subscribe and revoke answer (OpenAPI: an empty body); no value of anyone's, so no file. */
const EMPTY_SUCCESS = '{"status":0,"body":{}}';

describe('every Withings fixture payload is understood', () => {
  it('covers every fixture file', () => {
    const tested = [
      'error_invalid_access_token_401.json',
      'error_invalid_authorization_code_503.json',
      'error_invalid_refresh_token_503.json',
      'error_rate_limit_601.json',
      'error_rate_limit_601_same_arguments.json',
      'getmeas_ambiguous_attrib1.json',
      'getmeas_body_cardio_split_groups.json',
      'getmeas_body_scan_full_composition.json',
      'getmeas_page1_more.json',
      'getmeas_page2_last.json',
      'getmeas_same_group_twice.json',
      'notify_get_success.json',
      'notify_list_one_profile.json',
      'notify_list_sync_service.json',
      'oauth_refresh_token_success.json',
      'oauth_requesttoken_authorization_code_success.json',
      'signature_getnonce_success.json',
      'webhook_post_appli1_long_window.txt',
      'webhook_post_appli1_weighin.txt',
      'webhook_post_appli46_unlink.txt',
    ];
    const present = readdirSync(dir).filter((name) => name !== 'SOURCES.md');
    expect(present.sort()).toEqual(tested.sort());
  });

  it.each([
    'getmeas_same_group_twice.json',
    'getmeas_ambiguous_attrib1.json',
    'getmeas_body_cardio_split_groups.json',
    'getmeas_body_scan_full_composition.json',
    'getmeas_page2_last.json',
  ])('getmeas: %s', async (name) => {
    const raw = JSON.parse(fixture(name));
    const result = await clientServing(name).getMeasures();
    expect(result.groups).toHaveLength(raw.body.measuregrps.length);
    expect(result.timeZone).toBe(raw.body.timezone);
    expect(result.updateTime).toEqual(new Date(raw.body.updatetime * 1000));
  });

  it('token answers (both grant types), userid as a number', async () => {
    for (const name of [
      'oauth_requesttoken_authorization_code_success.json',
      'oauth_refresh_token_success.json',
    ]) {
      const raw = JSON.parse(fixture(name)).body;
      const now = new Date('2026-11-20T06:00:00Z');
      const result = await withingsOAuth.refreshTokens({
        clientId: 'c',
        clientSecret: 's',
        refreshToken: 'r',
        fetch: serve(fixture(name)),
        now: () => now,
      });
      expect(result).toEqual({
        userId: '41865207',
        accessToken: raw.access_token,
        refreshToken: raw.refresh_token,
        expiresAt: new Date(now.getTime() + 10_800_000),
        scope: ['user.info', 'user.metrics', 'user.activity'],
      });
    }
  });

  it('notify list, get, subscribe and revoke answers', async () => {
    expect(await clientServing('notify_list_sync_service.json').notify.list()).toEqual([
      {
        appli: 1,
        callbackUrl: 'https://wg-sync.example.org/webhook/withings/40324c1c03ddd6a0',
        comment: 'wg-sync weigh-ins',
        expiresAt: null,
      },
      {
        appli: 4,
        callbackUrl: 'https://wg-sync.example.org/webhook/withings/40324c1c03ddd6a0',
        comment: null,
        expiresAt: null,
      },
    ]);
    expect(await clientServing('notify_list_one_profile.json').notify.list()).toHaveLength(1);
    expect(await clientServing('notify_get_success.json').notify.get({ callbackUrl: 'x' })).toMatchObject({
      appli: 1,
      comment: 'wg-sync weigh-ins',
    });
    await expect(
      clientAnswering(EMPTY_SUCCESS).notify.subscribe({ callbackUrl: 'https://a.example/h' }),
    ).resolves.toBeUndefined();
    await expect(
      clientAnswering(EMPTY_SUCCESS).notify.subscribe({
        callbackUrl: 'https://a.example/h',
      }),
    ).resolves.toBeUndefined();
    await expect(
      clientAnswering(EMPTY_SUCCESS).notify.revoke({ callbackUrl: 'https://a.example/h' }),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['error_invalid_access_token_401.json', 'INVALID_TOKEN'],
    ['error_rate_limit_601.json', 'RATE_LIMITED'],
    ['error_rate_limit_601_same_arguments.json', 'RATE_LIMITED'],
  ])('error answer %s → %s', async (name, code) => {
    const error = await clientServing(name)
      .getMeasures()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WithingsApiError);
    expect(error).toMatchObject({ code });
  });

  it('601 answers carry their wait', async () => {
    await expect(
      clientServing('error_rate_limit_601_same_arguments.json').getMeasures(),
    ).rejects.toMatchObject({ retryAfterMs: 137_000 });
  });

  it.each(['error_invalid_authorization_code_503.json', 'error_invalid_refresh_token_503.json'])(
    'token endpoint 503 %s → REAUTH_REQUIRED',
    async (name) => {
      await expect(
        withingsOAuth.exchangeCode({
          clientId: 'c',
          clientSecret: 's',
          code: 'code',
          redirectUri: 'https://a.example',
          fetch: serve(fixture(name)),
        }),
      ).rejects.toMatchObject({ code: 'REAUTH_REQUIRED', status: 503 });
    },
  );

  it('a getnonce answer is a valid envelope (signing is not needed by a public-API sync)', () => {
    expect(JSON.parse(fixture('signature_getnonce_success.json'))).toMatchObject({
      status: 0,
      body: { nonce: expect.any(String) },
    });
  });
});
