import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { Options } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const require = createRequire(import.meta.url);

/**
 * `import text from './file?raw'` (as Vite, which runs the tests, reads it): the file's contents as
 * a string, inlined into the build. The status page's stylesheet, script and uPlot (a devDependency)
 * are served from the build itself, so every deployment, the Lambda bundle too, has them.
 */
const raw: Plugin = {
  name: 'wg-sync-raw',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => {
      const spec = args.path.slice(0, -'?raw'.length);
      const path = spec.startsWith('.') ? resolve(args.resolveDir, spec) : require.resolve(spec);
      // The suffix stays on, so no other plugin (tsup's CSS one) takes the file for its own.
      return { path: `${path}?raw`, namespace: 'wg-sync-raw' };
    });
    build.onLoad({ filter: /.*/, namespace: 'wg-sync-raw' }, async (args) => {
      const path = args.path.slice(0, -'?raw'.length);
      return { contents: await readFile(path, 'utf8'), loader: 'text', resolveDir: dirname(path) };
    });
  },
};

const config = packageBuild({ index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' });
export default { ...config, esbuildPlugins: [raw] };
