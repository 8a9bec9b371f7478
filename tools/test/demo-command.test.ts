import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Under `pnpm test` pnpm names itself; elsewhere the one on PATH.
const pnpm = process.env.npm_execpath?.includes('pnpm') ? process.env.npm_execpath : 'pnpm';

function demo() {
  const command = pnpm.endsWith('.js') || pnpm.endsWith('.cjs') ? process.execPath : pnpm;
  const args = command === process.execPath ? [pnpm, 'demo', '--json'] : ['demo', '--json'];
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 90_000 });
}

describe('pnpm demo --json', () => {
  it('prints only the JSON on stdout (pipe it to jq), and a second run rebuilds nothing', {
    timeout: 200_000,
  }, () => {
    demo(); // builds whatever is stale
    const run = demo();
    expect(run.status, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as { reports: Array<{ failed: unknown[] }> };
    expect(parsed.reports.length).toBeGreaterThan(0);
    expect(parsed.reports.every((r) => r.failed.length === 0)).toBe(true);
    expect(run.stderr).toContain('demo: every package is up to date');
  });
});
