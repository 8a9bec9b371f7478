import { describe, expect, it } from 'vitest';
import { ConfigError, createSync, loadConfigFromEnv, memoryStore } from '../src/index.js';

const base = { WITHINGS_CLIENT_ID: 'cid', WITHINGS_CLIENT_SECRET: 'super-secret-value-123' };

describe('loadConfigFromEnv', () => {
  it('builds a config with defaults from the environment', () => {
    const config = loadConfigFromEnv({
      ...base,
      WG_SYNC_STATE_DIR: '/tmp/wg-sync-test-state',
      WG_SYNC_PUBLIC_URL: 'https://sync.example.org',
      WG_SYNC_API_TOKEN: 'api-token-0123456789',
      WG_SYNC_WEBHOOK_SECRET: 'hook-secret-0123456789',
      WG_SYNC_MAX_ENTRIES: '10',
      WG_SYNC_ATTRIBUTIONS: '0,3,8,2',
      WG_SYNC_BLOOD_PRESSURE: 'true',
      GARMIN_DOMAIN: 'garmin.cn',
      GARMIN_CONNECTAPI_URL: 'http://127.0.0.1:9999',
    });
    expect(config).toMatchObject({
      withings: { clientId: 'cid', clientSecret: 'super-secret-value-123' },
      garmin: { domain: 'garmin.cn', urls: { connectapi: 'http://127.0.0.1:9999' } },
      publicUrl: 'https://sync.example.org',
      apiToken: 'api-token-0123456789',
      webhookSecret: 'hook-secret-0123456789',
      maxEntriesPerSync: 10,
      attributions: [0, 3, 8, 2],
      bloodPressure: true,
    });
    expect(typeof config.store.get).toBe('function');
    expect(() => createSync(config)).not.toThrow();
  });

  it('lists every missing or invalid variable in one error, without echoing values', () => {
    let error: unknown;
    try {
      loadConfigFromEnv({
        WITHINGS_CLIENT_SECRET: '',
        WG_SYNC_PUBLIC_URL: 'http://not-https.example.org',
        WG_SYNC_API_TOKEN: 'short-secret',
        WG_SYNC_WEBHOOK_SECRET: 'has spaces in it!!',
        WG_SYNC_MAX_ENTRIES: 'lots',
        WG_SYNC_ATTRIBUTIONS: '0;3',
        WG_SYNC_BLOOD_PRESSURE: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'WITHINGS_CLIENT_ID',
      'WITHINGS_CLIENT_SECRET',
      'WG_SYNC_PUBLIC_URL',
      'WG_SYNC_API_TOKEN',
      'WG_SYNC_WEBHOOK_SECRET',
      'WG_SYNC_MAX_ENTRIES',
      'WG_SYNC_ATTRIBUTIONS',
      'WG_SYNC_BLOOD_PRESSURE',
    ]) {
      expect(problems).toContain(name);
    }
    expect((error as Error).message).not.toContain('short-secret');
    expect((error as Error).message).not.toContain('has spaces');
  });

  it('accepts SYNC_API_TOKEN as the API token name too', () => {
    expect(loadConfigFromEnv({ ...base, SYNC_API_TOKEN: 'api-token-0123456789' }).apiToken).toBe(
      'api-token-0123456789',
    );
  });
});

describe('createSync validates a programmatic config', () => {
  it('reports every problem at once', () => {
    expect(() =>
      createSync({ withings: { clientId: '', clientSecret: '' }, store: undefined as never, apiToken: 'x' }),
    ).toThrow(/clientId[\s\S]*clientSecret[\s\S]*store[\s\S]*apiToken/);
  });

  it('accepts a minimal config', () => {
    const sync = createSync({ withings: { clientId: 'a', clientSecret: 'b' }, store: memoryStore() });
    expect(sync.webhookUrl).toBeUndefined();
    const withUrl = createSync({
      withings: { clientId: 'a', clientSecret: 'b' },
      store: memoryStore(),
      publicUrl: 'https://sync.example.org/',
      webhookSecret: 'hook-secret-0123456789',
    });
    expect(withUrl.webhookUrl).toBe('https://sync.example.org/webhook/withings/hook-secret-0123456789');
  });
});
