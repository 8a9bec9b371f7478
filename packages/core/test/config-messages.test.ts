import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFromEnv } from '../src/index.js';

const base = {
  WITHINGS_CLIENT_ID: 'cid',
  WITHINGS_CLIENT_SECRET: 'super-secret-value-123',
  WG_SYNC_STATE_DIR: '/tmp/wg-sync-config-messages',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfigFromEnv({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration problems say what a valid value looks like', () => {
  it.each([
    [
      { WG_SYNC_PUBLIC_URL: 'http://sync.example.org' },
      'WG_SYNC_PUBLIC_URL must be an https URL such as https://sync.example.org',
    ],
    [
      { WG_SYNC_PUBLIC_URL: 'sync.example.org' },
      'WG_SYNC_PUBLIC_URL must be an https URL such as https://sync.example.org',
    ],
    [{ WG_SYNC_MAX_ENTRIES: 'abc' }, 'WG_SYNC_MAX_ENTRIES must be a whole number'],
    [{ WG_SYNC_MAX_ENTRIES: '2.5' }, 'WG_SYNC_MAX_ENTRIES must be a whole number'],
    [{ WG_SYNC_MAX_ENTRIES: '0' }, 'WG_SYNC_MAX_ENTRIES must be above 0'],
    [{ WG_SYNC_MAX_ENTRIES: '900' }, 'WG_SYNC_MAX_ENTRIES must be at most 500'],
    [{ WG_SYNC_READBACK_DELAY_MS: 'soon' }, 'WG_SYNC_READBACK_DELAY_MS must be a whole number'],
    [{ WG_SYNC_DEDUP_KG: 'a bit' }, 'WG_SYNC_DEDUP_KG must be a number'],
    [{ WG_SYNC_LOG_LEVEL: 'loud' }, 'WG_SYNC_LOG_LEVEL must be one of debug, info, warn, error'],
    [{ GARMIN_DOMAIN: 'garmin.de' }, 'GARMIN_DOMAIN must be one of garmin.com, garmin.cn'],
    [
      { WITHINGS_BASE_URL: 'ftp://127.0.0.1' },
      'WITHINGS_BASE_URL must be an https URL (plain http only for 127.0.0.1 / localhost)',
    ],
  ])('%o: %s', (env, expected) => {
    expect(problemsOf(env)).toEqual([expected]);
  });

  it('"is required" only for a variable that is not set', () => {
    const { WITHINGS_CLIENT_ID: _id, ...rest } = base;
    let problems: string[] = [];
    try {
      loadConfigFromEnv({ ...rest, WG_SYNC_MAX_ENTRIES: 'abc' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      'WITHINGS_CLIENT_ID is required',
      'WG_SYNC_MAX_ENTRIES must be a whole number',
    ]);
  });
});
