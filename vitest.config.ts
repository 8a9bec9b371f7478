import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Tests import workspace packages (`@wg-sync/x`, `@wg-sync/x/sub`) from their TypeScript source, so a
 * test run never depends on a stale `dist/`. `pnpm build` + `check:pkg` cover the published output.
 */
function workspaceSource(): Plugin {
  return {
    name: 'wg-sync-workspace-source',
    enforce: 'pre',
    resolveId(id) {
      const match = /^@wg-sync\/([a-z0-9-]+)(?:\/([a-z0-9/-]+))?$/.exec(id);
      if (!match) return null;
      const [, pkg, sub] = match;
      const candidates = sub
        ? [`packages/${pkg}/src/${sub}/index.ts`, `packages/${pkg}/src/${sub}.ts`]
        : [`packages/${pkg}/src/index.ts`];
      return candidates.map((file) => `${root}${file}`).find((file) => existsSync(file)) ?? null;
    },
  };
}

// One project per package that has tests; files named *.tz.test.ts also run once per time zone below,
// because "the host's time zone must not matter" is only proven by running under several.
const packages = readdirSync(`${root}packages`).filter((name) => existsSync(`${root}packages/${name}/test`));
const examples = readdirSync(`${root}examples`).filter((name) => existsSync(`${root}examples/${name}/test`));
const timeZones = ['UTC', 'America/Los_Angeles', 'Asia/Kolkata'];
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
// Vitest empties CSS files unless told otherwise; core's status page serves its `*.css?raw` imports.
const css = { include: [/\.css\?raw$/] };

export default defineConfig({
  plugins: [workspaceSource()],
  test: {
    projects: [
      ...packages.map((name) => ({
        plugins: [workspaceSource()],
        test: {
          name,
          root: `${root}packages/${name}`,
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.tz.test.ts'],
          env,
          css,
          // CLI tests spawn the real executable several times per test.
          ...(name === 'cli' ? { testTimeout: 60_000 } : {}),
        },
      })),
      ...examples.map((name) => ({
        plugins: [workspaceSource()],
        test: {
          name: `example-${name}`,
          root: `${root}examples/${name}`,
          include: ['test/**/*.test.ts'],
          env,
          css,
        },
      })),
      {
        test: { name: 'bench', root: `${root}bench`, include: ['test/*.test.ts'], env },
      },
      {
        test: { name: 'tools', root: `${root}tools`, include: ['test/*.test.ts'], env },
      },
      {
        plugins: [workspaceSource()],
        test: {
          name: 'faults',
          root: `${root}faults`,
          include: ['*.test.ts'],
          env,
          css,
          testTimeout: 60_000,
        },
      },
      ...packages
        .filter((name) =>
          readdirSync(`${root}packages/${name}/test`).some((file) => file.endsWith('.tz.test.ts')),
        )
        .flatMap((name) =>
          timeZones.map((tz) => ({
            plugins: [workspaceSource()],
            test: {
              name: `${name} TZ=${tz}`,
              root: `${root}packages/${name}`,
              include: ['test/**/*.tz.test.ts'],
              env: { ...env, TZ: tz },
              css,
            },
          })),
        ),
    ],
  },
});
