import { CONFIG_ENV_VARS } from '@wg-sync/core';

/** What each of core's variables does, one line each (`loadConfigFromEnv` reads them). */
const CORE: Record<string, string> = {
  WITHINGS_CLIENT_ID: 'your Withings app’s client id (required, except for accounts and doctor)',
  WITHINGS_CLIENT_SECRET: 'your Withings app’s client secret (required, except for accounts and doctor)',
  WITHINGS_BASE_URL: 'Withings API base URL (simulators, proxies; https, or http to 127.0.0.1)',
  GARMIN_DOMAIN: 'garmin.com (default) or garmin.cn',
  GARMIN_SSO_URL: 'Garmin sign-in host (simulators, proxies)',
  GARMIN_DIAUTH_URL: 'Garmin token host (simulators, proxies)',
  GARMIN_CONNECTAPI_URL: 'Garmin Connect API host (simulators, proxies)',
  INTERVALS_BASE_URL: 'intervals.icu API base URL (simulators, proxies; https, or http to 127.0.0.1)',
  WG_SYNC_GARMIN_CLIENT_IDS: 'Garmin DI client ids to try, newest first, comma-separated',
  WG_SYNC_GARMIN_MAX_UPLOAD_ENTRIES: 'weigh-ins per FIT upload at most (default 50)',
  WG_SYNC_GARMIN_MAX_UPLOAD_BYTES: 'bytes per FIT upload at most (default 16384)',
  WG_SYNC_STATE_DIR: 'the state directory (default <config dir>/state)',
  WG_SYNC_CONFIG_DIR: 'the config directory (default $XDG_CONFIG_HOME/wg-sync, else ~/.config/wg-sync)',
  XDG_CONFIG_HOME: 'where the config directory goes when WG_SYNC_CONFIG_DIR is not set',
  WG_SYNC_PUBLIC_URL: 'the public https base URL Withings calls (serve, webhook subscribe, doctor)',
  WG_SYNC_API_TOKEN: 'bearer token for /sync/manual and /status of serve (also SYNC_API_TOKEN)',
  WG_SYNC_WEBHOOK_SECRET: 'the secret path segment of the webhook (openssl rand -hex 32)',
  WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'true: run serve and webhook subscribe without a secret',
  WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS: 'per-user debounce of webhook syncs (default 60)',
  WG_SYNC_MAX_ENTRIES: 'uploads per sync (default 5)',
  WG_SYNC_DEDUP_SECONDS: 'a Garmin weigh-in this close in time is the same one (default 120)',
  WG_SYNC_DEDUP_KG: 'and this close in weight (default 0.1)',
  WG_SYNC_ATTRIBUTIONS: 'Withings attributions to sync (default 0,3,8)',
  WG_SYNC_INCLUDE_MANUAL: 'true: also sync weigh-ins typed in by hand',
  WG_SYNC_BLOOD_PRESSURE: 'true: also sync blood pressure',
  WG_SYNC_SYNC_DELETIONS: 'true: follow deletions and edits made in Withings (as --sync-deletions)',
  WG_SYNC_DELETION_WINDOW_DAYS: 'with deletions followed: how many days back (default 30)',
  WG_SYNC_MAX_DELETIONS: 'with deletions followed: records deleted per sync at most (default 5)',
  WG_SYNC_HELD_FOR_DAYS: 'held weigh-ins wait this many days for wg-sync held assign (default 30)',
  WG_SYNC_WEIGHT_BAND: 'hold weigh-ins outside a band: <user>:<min>-<max>,… such as 37012345:55-75',
  WG_SYNC_LOG_LEVEL: 'debug, info (default), warn or error',
  WG_SYNC_READBACK_ATTEMPTS: 'reads of Garmin after an upload (default 3)',
  WG_SYNC_READBACK_DELAY_MS: 'first wait before reading back (default 1500)',
};

/** The variables only the CLI reads. */
const CLI: Array<[string, string]> = [
  ['GARMIN_EMAIL', 'garmin login: the e-mail (else --email, else asked)'],
  ['GARMIN_PASSWORD', 'garmin login: the password (else asked; never stored)'],
  ['INTERVALS_API_KEY', 'intervals link: the intervals.icu API key (else asked; stored, never logged)'],
  ['INTERVALS_ATHLETE_ID', 'intervals link: the athlete id, i12345 (else --athlete, else asked)'],
  ['WITHINGS_ACCOUNT_URL', 'withings auth: the consent page host (simulators; https, or http to 127.0.0.1)'],
  ['WG_SYNC_STORE', 'the store when --store is not given: file:<dir>, dynamodb:<table> or memory'],
  ['WG_SYNC_NO_OPEN', '1: withings auth prints the consent page, does not open a browser'],
  ['CI', 'set: as WG_SYNC_NO_OPEN=1'],
  ['PORT', 'serve: the port when --port is not given (default 8080)'],
  ['HOME', 'the default config directory is ~/.config/wg-sync'],
  ['NO_COLOR', 'set: help without colours (also when stdout is not a terminal)'],
  ['TERM', 'dumb: help without colours'],
  ['AWS_REGION', 'the DynamoDB store: its region; AWS credentials come from the usual AWS variables'],
];

/** Every environment variable wg-sync reads, for `wg-sync help env`. */
export function environmentHelp(): string {
  const rows: Array<[string, string]> = [
    ...CONFIG_ENV_VARS.map((name): [string, string] => [
      name,
      CORE[name] ?? 'see the Configuration table of @wg-sync/core',
    ]),
    ...CLI,
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    'Environment variables (also read from <config dir>/config.env and --env-file <path>; flags win):',
    '',
    ...rows.map(([name, what]) => `  ${name.padEnd(width)}  ${what}`),
  ].join('\n');
}
