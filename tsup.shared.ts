import { defineConfig, type Options } from 'tsup';

/** The build every package shares: ESM + CJS + types for Node 20, from the given entry points. */
export function packageBuild(entry: Options['entry'] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    target: 'node20',
    // tsup 8 injects `baseUrl`, which TypeScript 6 deprecates (TOOLCHAIN.md §4.4).
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
  });
}
