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

// wg-sync's packages use `zod/mini`, whose functions tree-shake: the bundle keeps about 40 KB of zod.
// Classic `zod` cannot be shaken (its `z` namespace is one object holding every schema class and, by
// `export * as locales`, all ~60 locales), and loading it costs about 45 ms of cold start under
// aws-lambda-ric on its own, a third of a DynamoDB-only handler's whole init (`pnpm bench`,
// lambdaBundle). build.mjs fails when a dependency or a change brings it back, instead of letting the
// init quietly grow again.
const UNWANTED_ZOD = /[/\\]zod[/\\](?:v3[/\\]|v4[/\\]classic[/\\]|v4[/\\]locales[/\\](?!(?:en|index)\.js$))/;

/**
 * The zod files that reached the output although the bundle must not carry them: classic zod (v4
 * classic or v3) and every locale but English. Files esbuild read and then shook out do not count.
 *
 * @param {import('esbuild').Metafile} metafile
 * @returns {string[]}
 */
export function unwantedZodInputs(metafile) {
  return Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([input, { bytesInOutput }]) => bytesInOutput > 0 && UNWANTED_ZOD.test(input))
      .map(([input]) => input),
  );
}
