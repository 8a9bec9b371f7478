import { GarminBrowserLoginError } from '@wg-sync/garmin';
import { describe, expect, it } from 'vitest';
import { EXIT, explain } from '../src/errors.js';

// playwright-core is an optional peer of the CLI, so a user who runs `garmin login --method browser`
// may not have it. The installed-CLI check (tools/test/installed-packages.test.ts) runs that command
// for real without it; this pins the line, the fix and the exit code.
describe('browser sign-in without playwright-core', () => {
  it('says what to install (npm install -g playwright-core) and exits 2', () => {
    const error = new GarminBrowserLoginError(
      'PLAYWRIGHT_MISSING',
      'garminBrowserLogin needs the optional dependency playwright-core: npm install playwright-core',
    );
    const shown = explain(error);
    expect(shown.exitCode).toBe(EXIT.USAGE);
    expect(shown.message).toBe('the browser sign-in needs playwright-core, which is not installed');
    expect(shown.fix).toContain('npm install -g playwright-core');
  });
});
