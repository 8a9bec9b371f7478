import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * A password (or browser) login runs only when a person runs `wg-sync garmin login`: Garmin blocks
 * logins from cloud addresses and re-arms its per-account rate limit on every retried login (protocol
 * §10), so code that runs unattended (the engine, the adapters, `wg-sync serve`) may only refresh
 * tokens. This test is where that guarantee lives: it fails when such code names a login function.
 */

const packages = fileURLToPath(new URL('../..', import.meta.url));
const LOGIN = /\bgarmin(Browser)?Login\b/;

/** The person-only places: the login command itself, and the demo (which signs in to the local simulator). */
const PERSON_ONLY = ['cli/src/commands/garmin-login.ts', 'cli/src/demo/'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The code without comments (TSDoc may mention the login functions). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

describe('no unattended password login', () => {
  it('core, the adapters and the CLI outside `garmin login` never call garminLogin or garminBrowserLogin', () => {
    const roots = ['core/src', 'adapter-lambda/src', 'adapter-express/src', 'cli/src'].map((r) =>
      join(packages, r),
    );
    const files = roots.flatMap(sources);
    expect(files.map((f) => relative(packages, f))).toContain('cli/src/commands/serve.ts');
    const offenders = files
      .map((file) => relative(packages, file))
      .filter((file) => !PERSON_ONLY.some((allowed) => file.startsWith(allowed)))
      .filter((file) => LOGIN.test(code(readFileSync(join(packages, file), 'utf8'))));
    expect(offenders).toEqual([]);
    // The pattern itself finds the real call sites (so this test can fail).
    expect(LOGIN.test(code(readFileSync(join(packages, PERSON_ONLY[0] as string), 'utf8')))).toBe(true);
  });
});
