// Bundles src/handler.ts into dist/ for the nodejs22.x arm64 runtime: dist/ is the whole deploy
// artifact (template.yaml's CodeUri), nothing else is uploaded.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lambdaBundleOptions, unwantedZodInputs } from './bundle-options.mjs';

// Paths are relative to this file, wherever it is run from.
const here = fileURLToPath(new URL('.', import.meta.url));
const dist = `${here}dist`;

const external = process.env.WG_SYNC_EXTERNAL_AWS_SDK === '1' ? ['@aws-sdk/*', '@smithy/*'] : [];

/** The build's output is not what this script promises. */
class BuildError extends Error {
  /** @param {'ZOD_CLASSIC_BUNDLED'} code */
  constructor(code, message) {
    super(message);
    this.name = 'BuildError';
    this.code = code;
  }
}

await rm(dist, { recursive: true, force: true });
await mkdir(dist);
const result = await build({
  ...lambdaBundleOptions({
    absWorkingDir: here,
    entryPoints: { handler: 'src/handler.ts' },
    outdir: dist,
    external,
  }),
  // The AWS SDK is bundled although nodejs22.x ships one: the runtime's copy is not pinned (AWS
  // updates it without notice), and the bundled 3.1164.0 is the version the tests ran against. It is
  // also faster: importing the handler took 65–100 ms bundled, 220–360 ms with the SDK left external
  // and loaded from node_modules (WG_SYNC_EXTERNAL_AWS_SDK=1 builds that variant; import it from a
  // directory where @aws-sdk/* resolves, such as packages/adapter-lambda).
  metafile: true,
});
const bundledZod = unwantedZodInputs(result.metafile);
if (bundledZod.length > 0)
  throw new BuildError(
    'ZOD_CLASSIC_BUNDLED',
    `build.mjs: classic zod or its non-English locales are in the bundle (${bundledZod.length} files, such as ${bundledZod[0]}): import from 'zod/mini' instead`,
  );
// `sam build` runs its Node.js builder on CodeUri, which needs a package.json (no dependencies: all
// is bundled).
await writeFile(
  `${dist}/package.json`,
  `${JSON.stringify({ name: 'wg-sync-lambda-bundle', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`,
);
const outputs = Object.entries(result.metafile.outputs).map(([file, { bytes }]) => ({ file, bytes }));
const total = outputs.reduce((sum, o) => sum + o.bytes, 0);
console.log(
  `bundled ${outputs.length} files, ${total} bytes: ${outputs.map((o) => `${o.file} ${o.bytes}`).join(', ')}`,
);
