import type { Engine } from './context.js';

/** Which upstream an error came from, judged by its class name. */
export function sideOf(error: unknown): 'withings' | 'garmin' | undefined {
  const name = (error as Error)?.name ?? '';
  if (name.startsWith('Withings')) return 'withings';
  if (name.startsWith('Garmin')) return 'garmin';
  return undefined;
}

/** A stable code and a one-line, redacted message for any error. */
export function describeFailure(engine: Engine, error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown })?.code;
  const name = (error as Error)?.name;
  const message = error instanceof Error ? error.message : String(error);
  const stable =
    typeof code === 'string' && /^[A-Z_]+$/.test(code)
      ? code
      : name === 'FitEncodeError'
        ? 'INVALID_VALUE'
        : 'INTERNAL';
  return { code: stable, message: engine.redactor.text(message.split('\n')[0] ?? '') };
}

/** True when the error means a person must sign in / authorize again. */
export function isReauth(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'REAUTH_REQUIRED' || code === 'INVALID_CREDENTIALS';
}
