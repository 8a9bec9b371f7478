import { defineConfig, type Options } from 'tsup';

/**
 * `WG_SYNC_JS_ONLY=1` (set by `pnpm demo`) builds the JavaScript alone: declarations are most of the
 * build time and nothing run needs them. It also keeps what `dist/` holds, so declarations from an
 * earlier full build stay for the type checks.
 */
const jsOnly = process.env.WG_SYNC_JS_ONLY === '1';

/** The build every package shares: ESM + CJS + types for Node 20, from the given entry points. */
export function packageBuild(entry: Options['entry'] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    target: 'node20',
    // tsup 8 injects `baseUrl`, which TypeScript 6 deprecates (TOOLCHAIN.md §4.4).
    dts: jsOnly ? false : { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: !jsOnly,
  });
}
