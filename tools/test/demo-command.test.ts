import { spawn, spawnSync } from 'node:child_process';
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

/** Starts `command args` in a process group of its own (as a terminal would), collecting its output. */
function serving(command: string, args: string[]) {
  const child = spawn(command, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status page within 90 s: ${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Status page {3}(\S+)[\s\S]*Press Ctrl-C/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
  });
  // Every writer gone: the demo too, not only the process we started.
  const closed = new Promise<string>((resolve) => child.stdout.on('close', () => resolve(output)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, listening, closed, exited };
}

const pnpmCommand = () => {
  const command = pnpm.endsWith('.js') || pnpm.endsWith('.cjs') ? process.execPath : pnpm;
  return { command, prefix: command === process.execPath ? [pnpm] : [] };
};

describe('pnpm demo -- --serve', () => {
  it('passes --serve through (pnpm hands the bin the `--`), and Ctrl-C closes the demo', {
    timeout: 120_000,
  }, async () => {
    const { command, prefix } = pnpmCommand();
    const run = serving(command, [...prefix, 'demo', '--', '--serve']);
    const url = await run.listening;
    expect((await fetch(url)).status).toBe(200);
    // Ctrl-C: SIGINT to the whole foreground group. pnpm itself dies of it at once (its `exec`
    // does not wait for the command: pnpm/pnpm#15121); the demo still closes and says so.
    process.kill(-(run.child.pid as number), 'SIGINT');
    expect(await run.closed).toMatch(/SIGINT: closing wg-sync serve and the simulators\.\nStopped\.\n/);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('a Ctrl-C that reaches the demo twice at once (the terminal, and tools/demo.mjs passing it on) still closes it cleanly', {
    timeout: 120_000,
  }, async () => {
    const run = serving(process.execPath, ['tools/demo.mjs', '--serve']);
    const url = await run.listening;
    // The group's SIGINT reaches tools/demo.mjs and the demo; tools/demo.mjs then sends its own,
    // within a few milliseconds: the second reaches a demo that is already closing.
    process.kill(-(run.child.pid as number), 'SIGINT');
    expect(await run.closed).toMatch(/SIGINT: closing wg-sync serve and the simulators\.\nStopped\.\n/);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    await expect(fetch(url)).rejects.toThrow();
  });

  it('tools/demo.mjs passes a SIGTERM sent to it alone on to the demo, and exits with its code (0)', {
    timeout: 120_000,
  }, async () => {
    const run = serving(process.execPath, ['tools/demo.mjs', '--serve']);
    const url = await run.listening;
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(await run.closed).toMatch(/SIGTERM: closing wg-sync serve and the simulators\.\nStopped\.\n/);
    await expect(fetch(url)).rejects.toThrow();
  });
});
