import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module shared by build.mjs and the bench, typed by its JSDoc only
import { lambdaBundleOptions, unwantedZodInputs } from '../bundle-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Where zod resolves for an entry outside the packages: core's own dependency.
const coreModules = fileURLToPath(new URL('../../../packages/core/node_modules', import.meta.url));

type Metafile = {
  inputs: Record<string, unknown>;
  outputs: Record<
    string,
    {
      inputs: Record<string, { bytesInOutput: number }>;
      imports?: Array<{ path: string; kind: string; external?: boolean }>;
    }
  >;
};

async function bundle(entryPoints: Record<string, string>, outdir: string): Promise<Metafile> {
  const result = await build({
    ...lambdaBundleOptions({ absWorkingDir: root, entryPoints, outdir }),
    nodePaths: [coreModules],
    metafile: true,
    write: false,
  });
  return result.metafile as Metafile;
}

const bundledZod = (metafile: Metafile) =>
  Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([input, { bytesInOutput }]) => bytesInOutput > 0 && /[/\\]zod[/\\]/.test(input))
      .map(([input]) => input),
  );

/** The inputs of every output the entry loads before its first line runs: static imports only. */
function loadedAtInit(metafile: Metafile) {
  const entry = Object.keys(metafile.outputs).find((file) => /[/\\]handler\.mjs$/.test(file));
  if (!entry) throw new Error('no handler.mjs among the outputs');
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? [])
      if (imported.kind === 'import-statement' && !imported.external) queue.push(imported.path);
  }
  return [...seen].flatMap((file) =>
    Object.entries(metafile.outputs[file]?.inputs ?? {})
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
  );
}

describe('what the handler loads at init', () => {
  it('leaves the Lambda and SQS SDKs to the first queueing, and keeps DynamoDB and Secrets Manager', async () => {
    const atInit = loadedAtInit(await bundle({ handler: 'src/handler.ts' }, join(root, 'unused-out')));
    const has = (pkg: string) => atInit.some((input) => input.includes(`/${pkg}/`));
    expect(has('@aws-sdk/client-lambda')).toBe(false);
    // The work queue's client loads when the first message is sent or a batch arrives.
    expect(has('@aws-sdk/client-sqs')).toBe(false);
    expect(has('@aws-sdk/client-dynamodb')).toBe(true);
    expect(has('@aws-sdk/client-secrets-manager')).toBe(true);
  });
});

describe('the Lambda bundle carries zod/mini only', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'wg-sync-bundle-zod-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function entry(name: string, source: string) {
    const file = join(scratch, `${name}.mjs`);
    await writeFile(file, source);
    return bundle({ handler: file }, join(scratch, name));
  }

  it("keeps the handler's zod to zod/mini and the English locale", async () => {
    const metafile = await bundle({ handler: 'src/handler.ts' }, join(root, 'unused-out'));
    expect(unwantedZodInputs(metafile)).toEqual([]);
    const zod = bundledZod(metafile);
    // The check above means something only if zod is in the bundle at all, through zod/mini.
    expect(zod.some((input) => /[/\\]v4[/\\]mini[/\\]/.test(input))).toBe(true);
    expect(zod.some((input) => /[/\\]locales[/\\]en\.js$/.test(input))).toBe(true);
  });

  it('flags classic zod, which cannot be tree-shaken', async () => {
    const metafile = await entry(
      'classic',
      "import { z } from 'zod';\nexport const handler = async (event) => z.string().parse(event);\n",
    );
    const unwanted = unwantedZodInputs(metafile);
    expect(unwanted.some((input: string) => /[/\\]v4[/\\]classic[/\\]/.test(input))).toBe(true);
    // Classic brings every locale with it.
    expect(unwanted.some((input: string) => /[/\\]locales[/\\]fr\.js$/.test(input))).toBe(true);
  });

  it('flags a locale other than English, and not English itself', async () => {
    const source = (locale: string) =>
      `import * as z from 'zod/mini';\nimport { ${locale} } from 'zod/v4/locales';\nconst map = ${locale}().localeError;\nexport const handler = async (event) => z.string().safeParse(event, { error: map });\n`;
    const french = unwantedZodInputs(await entry('french', source('fr')));
    expect(french).toHaveLength(1);
    expect(french[0]).toMatch(/[/\\]locales[/\\]fr\.js$/);
    expect(unwantedZodInputs(await entry('english', source('en')))).toEqual([]);
  });
});
