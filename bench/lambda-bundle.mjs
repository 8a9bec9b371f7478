// lambdaBundle: the deploy artifact of examples/lambda (built by `pnpm build`) — its size, and how long
// a fresh Node process takes to import the handler (the cold-start share that is ours).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { percentile, round } from './world.mjs';

const DIST = fileURLToPath(new URL('../examples/lambda/dist/', import.meta.url));

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

export function lambdaBundle({ imports }) {
  if (!existsSync(DIST)) return { error: 'examples/lambda/dist is missing: run pnpm build' };
  const all = files(DIST).filter((file) => !file.endsWith('.map'));
  const entry = all.find((file) => /[/\\]handler\.m?js$/.test(file));
  if (!entry) return { error: 'no handler.mjs in examples/lambda/dist' };
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(entry).href)}); if (typeof m.handler !== 'function') process.exit(3); console.log(performance.now() - t);`;
  const times = Array.from({ length: imports }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      }).trim(),
    ),
  );
  return {
    entryBytes: statSync(entry).size,
    artifactBytes: all.reduce((sum, file) => sum + statSync(file).size, 0),
    files: all.length,
    importMsMedian: round(percentile(times, 50)),
    imports,
  };
}
