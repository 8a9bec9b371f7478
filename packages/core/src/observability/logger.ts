/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields of a log line (ids, counts, durations; never secrets, though they are redacted anyway). */
export type LogFields = Record<string, unknown>;

/**
 * What wg-sync logs through: one method per level, an event name (`sync.completed`) and fields.
 * Pass your own (pino, console, a test collector) in `SyncConfig.logger`; every line is redacted
 * before it reaches it.
 */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /**
   * Optional, as pino has it: `false` for a level this logger drops. wg-sync then skips redacting
   * (walking and copying) lines nobody will see; without it every line is redacted and handed over.
   */
  isLevelEnabled?(level: LogLevel): boolean;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger that writes one JSON object per line: `{"level","time","event",…fields}`.
 *
 * @param options.level - Lowest level written (default `info`).
 * @param options.write - Where lines go (default: stderr, every level). A library must not write
 *   to its host app's stdout, which may be the app's own output (a CLI's results, a piped report);
 *   give a `write` that calls `process.stdout.write` to log there instead.
 */
export function jsonLogger(
  options: { level?: LogLevel; write?: (line: string, level: LogLevel) => void } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit =
    (level: LogLevel) =>
    (event: string, fields: LogFields = {}) => {
      if (ORDER[level] < min) return;
      write(JSON.stringify({ level, time: new Date().toISOString(), event, ...fields }, jsonReplacer), level);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    isLevelEnabled: (level) => ORDER[level] >= min,
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...codeOf(value) };
  return value;
}

function codeOf(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return code === undefined ? {} : { code };
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  isLevelEnabled: () => false,
};
