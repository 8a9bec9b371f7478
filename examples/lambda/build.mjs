// Bundles src/handler.ts into dist/ for the nodejs22.x arm64 runtime: dist/ is the whole deploy
// artifact (template.yaml's CodeUri), nothing else is uploaded.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lambdaBundleOptions } from './bundle-options.mjs';

// Paths are relative to this file, wherever it is run from.
const here = fileURLToPath(new URL('.', import.meta.url));
const dist = `${here}dist`;

const external = process.env.WG_SYNC_EXTERNAL_AWS_SDK === '1' ? ['@aws-sdk/*', '@smithy/*'] : [];

// zod's `z` namespace re-exports all of its ~60 locales (`export * as locales`, in v4/classic and
// v4/core), so a bundler cannot drop them: 267 KB of the 470 KB of zod that core's schemas load at
// every cold start. wg-sync never calls `z.config(z.locales.…())`, and zod's English messages are
// imported by zod itself (v4/classic/schemas.js → locales/en.js), not through this index. Keeping
// English only took the bundle's init under aws-lambda-ric from 1.54–1.65 to 1.42–1.47 × a
// DynamoDB-only handler's (`pnpm bench`, lambdaBundle; 15 interleaved runs each, on this 2-core box). A zod that moves its locales makes this match nothing:
// the build then fails below instead of quietly growing back.
/** The build's output is not what this script promises. */
class BuildError extends Error {
  /** @param {'ZOD_LOCALES_BUNDLED'} code */
  constructor(code, message) {
    super(message);
    this.name = 'BuildError';
    this.code = code;
  }
}
let zodLocaleIndexes = 0;
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[/\\]zod[/\\]v4[/\\](?:classic|core)[/\\][^/\\]+$/.test(args.importer)) return undefined;
      const en = join(dirname(args.importer), '..', 'locales', 'en.js');
      if (!existsSync(en)) return undefined;
      zodLocaleIndexes++;
      return { path: en, namespace: 'zod-english-only' };
    });
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

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
  plugins: [zodEnglishOnly],
  metafile: true,
});
const locales = Object.keys(result.metafile.inputs).filter((input) =>
  /[/\\]zod[/\\]v4[/\\]locales[/\\](?!en\.js$)/.test(input),
);
if (zodLocaleIndexes === 0 || locales.length > 0)
  throw new BuildError(
    'ZOD_LOCALES_BUNDLED',
    `build.mjs: zod's locales are bundled again (${zodLocaleIndexes} locale indexes replaced, ${locales.length} other locale files bundled, such as ${locales[0] ?? 'none'}): update zodEnglishOnly for this zod`,
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
