import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One project per package that has tests; files named *.tz.test.ts also run once per time zone below,
// because "the host's time zone must not matter" is only proven by running under several.
const packages = readdirSync('packages').filter((name) => existsSync(`packages/${name}/test`));
const timeZones = ['UTC', 'America/Los_Angeles', 'Asia/Kolkata'];

export default defineConfig({
  test: {
    projects: [
      ...packages.map((name) => ({
        test: {
          name,
          root: `packages/${name}`,
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.tz.test.ts'],
          env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        },
      })),
      ...packages
        .filter((name) => readdirSync(`packages/${name}/test`).some((file) => file.endsWith('.tz.test.ts')))
        .flatMap((name) =>
          timeZones.map((tz) => ({
            test: {
              name: `${name} TZ=${tz}`,
              root: `packages/${name}`,
              include: ['test/**/*.tz.test.ts'],
              env: { TZ: tz },
            },
          })),
        ),
    ],
  },
});
