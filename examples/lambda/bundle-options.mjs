// The esbuild options of the Lambda bundle, shared by build.mjs and `pnpm bench` (whose cold-start
// baselines must pay what the bundle pays for the same code).

/**
 * @param {{ absWorkingDir: string, entryPoints: Record<string, string>, outdir: string, external?: string[] }} input
 * @returns {import('esbuild').BuildOptions}
 */
export function lambdaBundleOptions({ absWorkingDir, entryPoints, outdir, external = [] }) {
  return {
    absWorkingDir,
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // @wg-sync/garmin imports the FIT SDK profile (about 900 KB) with `await import()` only when it
    // uploads: as its own chunk it stays out of the cold start.
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // Prefer the ESM builds (the AWS SDK ships both): they tree-shake, and ESM output then needs no
    // require() shim.
    mainFields: ['module', 'main'],
    minify: true,
    // Minifying renames classes, and wg-sync's errors take their `name` from the class (core's
    // SyncError): without this, Lambda reports `errorType: "Ge"` for a ConfigError and the logs say
    // `"name":"St"`. Keeping every function and class name costs 4 % (1.49 → 1.55 MB, gzip +16 KB).
    keepNames: true,
    legalComments: 'none',
    // Browser login (playwright-core) runs on a laptop via the CLI, never in Lambda.
    external: ['playwright-core', ...external],
    logLevel: 'warning',
  };
}
