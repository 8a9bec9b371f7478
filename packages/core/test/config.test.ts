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

  it('reads the Garmin client ids (newest first) and the upload caps, so a rotation needs no release', () => {
    const config = loadConfigFromEnv({
      ...base,
      WG_SYNC_STATE_DIR: '/tmp/wg-sync-test-state',
      WG_SYNC_GARMIN_CLIENT_IDS:
        'GARMIN_CONNECT_MOBILE_ANDROID_DI_2027Q1, GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3',
      WG_SYNC_GARMIN_MAX_UPLOAD_ENTRIES: '20',
      WG_SYNC_GARMIN_MAX_UPLOAD_BYTES: '8192',
    });
    expect(config.garmin).toMatchObject({
      clientIds: ['GARMIN_CONNECT_MOBILE_ANDROID_DI_2027Q1', 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3'],
      maxUploadEntries: 20,
      maxUploadBytes: 8192,
    });
    expect(() =>
      loadConfigFromEnv({
        ...base,
        WG_SYNC_GARMIN_CLIENT_IDS: 'ok_id,,bad id',
        WG_SYNC_GARMIN_MAX_UPLOAD_BYTES: '10',
      }),
    ).toThrow(
      /WG_SYNC_GARMIN_CLIENT_IDS must be a comma-separated list[\s\S]*WG_SYNC_GARMIN_MAX_UPLOAD_BYTES/,
    );
    expect(() =>
      createSync({
        withings: { clientId: 'c', clientSecret: 's' },
        store: memoryStore(),
        garmin: { clientIds: [] },
      }),
    ).toThrow(/garmin.clientIds must be a non-empty list/);
  });

  it('reads how long held weigh-ins wait and each account’s weight band, so wg-sync serve can use them', () => {
    const config = loadConfigFromEnv({
      ...base,
      WG_SYNC_STATE_DIR: '/tmp/wg-sync-test-state',
      WG_SYNC_HELD_FOR_DAYS: '14',
      WG_SYNC_WEIGHT_BAND: '37012345:55-75, 37012346:70.5-95',
    });
    expect(config.heldForDays).toBe(14);
    expect(config.weightBand).toEqual({
      '37012345': { minKg: 55, maxKg: 75 },
      '37012346': { minKg: 70.5, maxKg: 95 },
    });
    expect(() => loadConfigFromEnv({ ...base, WG_SYNC_WEIGHT_BAND: '37012345:heavy' })).toThrow(
      /WG_SYNC_WEIGHT_BAND must be <Withings user>:<min kg>-<max kg>/,
    );
    expect(() =>
      createSync({
        ...loadConfigFromEnv({ ...base, WG_SYNC_WEIGHT_BAND: '37012345:90-60' }),
        store: memoryStore(),
      }),
    ).toThrow(/weightBand.37012345 must be/);
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

describe('a deployment that is safe by default', () => {
  const minimal = { withings: { clientId: 'a', clientSecret: 'client-secret-b' }, store: memoryStore() };
  const collect = () => {
    const lines: Array<{ level: string; event: string; [key: string]: unknown }> = [];
    const line = (level: string) => (event: string, fields?: Record<string, unknown>) =>
      void lines.push({ level, event, ...fields });
    return {
      lines,
      logger: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
    };
  };

  it('a publicUrl without a webhook secret is refused, naming the fix', () => {
    expect(() => createSync({ ...minimal, publicUrl: 'https://sync.example.org' })).toThrow(
      /webhookSecret is required with publicUrl[\s\S]*openssl rand -hex 32[\s\S]*allowUnauthenticatedWebhook/,
    );
  });

  it('allowUnauthenticatedWebhook starts anyway, with a warning at every start and a failing doctor check', async () => {
    for (let start = 0; start < 2; start += 1) {
      const { lines, logger } = collect();
      const sync = createSync({
        ...minimal,
        publicUrl: 'https://sync.example.org',
        allowUnauthenticatedWebhook: true,
        logger,
      });
      expect(lines.filter((l) => l.event === 'config.webhook.unauthenticated')).toMatchObject([
        { level: 'warn' },
      ]);
      const check = (await sync.doctor()).checks.find((c) => c.name === 'webhook secret');
      expect(check).toMatchObject({ status: 'fail' });
      expect(check?.fix).toMatch(/WG_SYNC_WEBHOOK_SECRET[\s\S]*wg-sync webhook subscribe/);
    }
  });

  it('reads WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK and WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS from the environment', () => {
    const config = loadConfigFromEnv({
      ...base,
      WG_SYNC_PUBLIC_URL: 'https://sync.example.org',
      WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'true',
      WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS: '120',
    });
    expect(config).toMatchObject({ allowUnauthenticatedWebhook: true, webhookDebounceSeconds: 120 });
    expect(() => loadConfigFromEnv({ ...base, WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS: '0' })).toThrow(
      /WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS/,
    );
  });

  it.each([
    ['16 identical characters', 'aaaaaaaaaaaaaaaa', /only 1 different characters/],
    ['a run', 'abcdefghijklmnopq', /run of consecutive characters/],
    ['a short pattern repeated', 'ab12cd34ab12cd34ab12cd34', /short pattern repeated/],
    ['too few different characters', 'aabbaabbccaabbcc', /only 3 different characters/],
    ['too short', 'x7!kQ2', /shorter than 16 characters/],
  ])('refuses a weak API token or webhook secret: %s', (_name, weak, reason) => {
    for (const option of ['apiToken', 'webhookSecret'] as const) {
      let error: unknown;
      try {
        createSync({ ...minimal, [option]: weak });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const problem = (error as ConfigError).problems.find((p) => p.startsWith(option)) ?? '';
      if (option === 'webhookSecret' && weak.length < 16) continue; // the format rule speaks first
      expect(problem).toMatch(reason);
      expect(problem).toContain('openssl rand -hex 32');
      expect((error as Error).message).not.toContain(weak);
    }
  });

  it('accepts what openssl rand -hex 32 makes, and the env names the weak variable without its value', () => {
    const strong = 'f3b9c2a7e4d1806b5a9c3e7f2d4b6a8c0e1f3a5b7c9d2e4f6a8b0c1d3e5f7a9b';
    expect(() =>
      createSync({ ...minimal, apiToken: strong, webhookSecret: strong.slice(0, 40) }),
    ).not.toThrow();
    let error: unknown;
    try {
      loadConfigFromEnv({
        ...base,
        WG_SYNC_API_TOKEN: '1111111111111111',
        WG_SYNC_WEBHOOK_SECRET: 'abcdefghijklmnopqrst',
      });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/WG_SYNC_API_TOKEN uses only 1 different characters/);
    expect(problems).toMatch(/WG_SYNC_WEBHOOK_SECRET is a run of consecutive characters/);
    expect(problems).not.toContain('1111111111111111');
  });

  it('upstream URL overrides must be https, or plain http to this machine, and are logged at start', () => {
    for (const url of ['http://capture.example.net', 'ftp://127.0.0.1', 'http://10.0.0.5:8080']) {
      expect(() => createSync({ ...minimal, withings: { ...minimal.withings, baseUrl: url } })).toThrow(
        /withings\.baseUrl must be an https URL/,
      );
      expect(() => createSync({ ...minimal, garmin: { urls: { connectapi: url } } })).toThrow(
        /garmin\.urls\.connectapi must be an https URL/,
      );
      expect(() => loadConfigFromEnv({ ...base, GARMIN_SSO_URL: url })).toThrow(/GARMIN_SSO_URL/);
    }
    const { lines, logger } = collect();
    createSync({
      ...minimal,
      withings: { ...minimal.withings, baseUrl: 'http://127.0.0.1:4321' },
      garmin: { urls: { sso: 'https://sso.proxy.example.org', diauth: 'http://localhost:9' } },
      logger,
    });
    expect(lines.filter((l) => l.event === 'config.upstream.override')).toEqual([
      {
        level: 'warn',
        event: 'config.upstream.override',
        option: 'withings.baseUrl',
        url: 'http://127.0.0.1:4321',
      },
      {
        level: 'warn',
        event: 'config.upstream.override',
        option: 'garmin.urls.sso',
        url: 'https://sso.proxy.example.org',
      },
      {
        level: 'warn',
        event: 'config.upstream.override',
        option: 'garmin.urls.diauth',
        url: 'http://localhost:9',
      },
    ]);
    const proxied = collect();
    createSync({
      ...minimal,
      garmin: { urls: { connectapi: 'https://wg:proxy-pass-91c2@proxy.example.org/garmin' } },
      logger: proxied.logger,
    });
    expect(proxied.lines.find((l) => l.event === 'config.upstream.override')?.url).toBe(
      'https://proxy.example.org',
    );
    expect(JSON.stringify(proxied.lines)).not.toContain('proxy-pass-91c2');
    const quiet = collect();
    createSync({ ...minimal, logger: quiet.logger });
    expect(quiet.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
