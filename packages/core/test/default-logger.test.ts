import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonLogger, loadConfigFromEnv } from '../src/index.js';
import { harness, minutesAgo } from './harness.js';

// The host app's stdout may be its own output (a CLI's JSON, a piped report): wg-sync's default
// logging must never land there. Both streams are captured (and not printed) while the code runs.
function captureStdio() {
  const out: string[] = [];
  const err: string[] = [];
  const text = (chunk: unknown) =>
    typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => out.push(text(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => err.push(text(chunk)) > 0);
  return { out, err };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('default logging', () => {
  it('a createSync without a logger logs a whole sync to stderr and nothing to stdout', async () => {
    const { out, err } = captureStdio();
    const h = await harness({ config: { logger: undefined } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 81.4 });
    const report = await h.sync.syncRecent();
    vi.restoreAllMocks();
    expect(report.synced).toHaveLength(1);
    expect(out).toEqual([]);
    // Not vacuous: the info lines of the sync were written, to stderr.
    const events = err.flatMap((line) => line.trim().split('\n')).map((line) => JSON.parse(line).event);
    expect(events).toContain('sync.completed');
  });

  it('jsonLogger() and the logger of loadConfigFromEnv write every level to stderr', () => {
    const { out, err } = captureStdio();
    const fromEnv = loadConfigFromEnv({
      WITHINGS_CLIENT_ID: 'id',
      WITHINGS_CLIENT_SECRET: 'secret-value',
      WG_SYNC_LOG_LEVEL: 'debug',
    }).logger;
    for (const logger of [jsonLogger({ level: 'debug' }), fromEnv]) {
      logger?.debug('t.debug');
      logger?.info('t.info');
      logger?.warn('t.warn');
      logger?.error('t.error');
    }
    vi.restoreAllMocks();
    expect(out).toEqual([]);
    expect(err.map((line) => JSON.parse(line).event)).toEqual([
      't.debug',
      't.info',
      't.warn',
      't.error',
      't.debug',
      't.info',
      't.warn',
      't.error',
    ]);
  });
});
