/**
 * The headers Garmin Connect's Android app (5.23, build 10861) sends with every API call
 * (protocol §1.9). Every request of a {@link GarminClient} carries them, plus
 * `Authorization: Bearer …`; override any of them with the client's `headers` option.
 */
export const GARMIN_NATIVE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  Accept: 'application/json',
  'User-Agent': 'GCM-Android-5.23',
  'X-Garmin-User-Agent':
    'com.garmin.android.apps.connectmobile/5.23; ; Google/sdk_gphone64_arm64/google; Android/33; Dalvik/2.1.0',
  'X-Garmin-Paired-App-Version': '10861',
  'X-Garmin-Client-Platform': 'Android',
  'X-App-Ver': '10861',
  'X-Lang': 'en',
  'X-GCExperience': 'GC5',
  'Accept-Language': 'en-US,en;q=0.9',
});

/** Native headers, then `extra`, then the caller's overrides (case-insensitive names). */
export function nativeHeaders(
  extra: Record<string, string> = {},
  overrides: Record<string, string> = {},
): Headers {
  const headers = new Headers(GARMIN_NATIVE_HEADERS as Record<string, string>);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  for (const [name, value] of Object.entries(overrides)) headers.set(name, value);
  return headers;
}
