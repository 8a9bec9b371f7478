#!/usr/bin/env node
// `pnpm demo [--json] [--serve]`: builds what the demo runs (the CLI and its workspace dependencies,
// JavaScript only: the demo needs no declarations), skipping every package whose build is newer than
// its sources, then runs `wg-sync demo`. It is a bin rather than a package.json script because pnpm prints a
// "> wg-sync@ demo" banner on stdout before every script, which would break `pnpm demo --json | jq .`;
// a command that is not a script is run without one. Build output goes to stderr, and only on failure.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { staleBuilds } from './stale-builds.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// `pnpm demo -- --serve`: pnpm hands a command that is not a script the `--` too, and after it the
// CLI would read `--serve` as an argument rather than a flag.
const args = process.argv.slice(2);
if (args[0] === '--') args.shift();
const t0 = performance.now();

const stale = staleBuilds(root, '@wg-sync/cli');
const failures = (await Promise.all(stale.map((pkg) => buildJs(pkg)))).filter(Boolean);
if (failures.length > 0) {
  for (const failure of failures) process.stderr.write(failure);
  process.exit(1);
}
const seconds = ((performance.now() - t0) / 1000).toFixed(1);
process.stderr.write(
  stale.length > 0
    ? `demo: built ${stale.map((p) => p.name).join(', ')} (JavaScript only) in ${seconds} s\n`
    : 'demo: every package is up to date\n',
);

const demo = spawn(process.execPath, [`${root}packages/cli/dist/bin.js`, 'demo', ...args], {
  stdio: 'inherit',
});
// `--serve` runs until Ctrl-C: the terminal sends SIGINT to this process and the demo alike, and a
// `kill` reaches this one only. Either way the demo closes its servers and says so, and this exits
// with its code once it has, rather than leaving it to finish behind the shell's prompt. Only the
// first signal is passed on: the demo is closing by then, and one sent during its exit could still
// kill it with a signal's exit code after it said "Stopped.".
let passedOn = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!passedOn) demo.kill(signal);
    passedOn = true;
  });
}
demo.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/** tsup without declarations (WG_SYNC_JS_ONLY, read by tsup.shared.ts); its output only on failure. */
function buildJs(pkg) {
  return new Promise((resolve) => {
    const child = spawn(`${root}node_modules/.bin/tsup`, [], {
      cwd: pkg.dir,
      env: { ...process.env, WG_SYNC_JS_ONLY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve(`demo: cannot build ${pkg.name}: ${error.message}\n`));
    child.on('exit', (code) =>
      resolve(code === 0 ? undefined : `demo: building ${pkg.name} failed:\n${output}\n`),
    );
  });
}
