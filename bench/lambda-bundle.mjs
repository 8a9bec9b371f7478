// lambdaBundle: the deploy artifact of examples/lambda (built by `pnpm build`) — its size, and its init
// under the real runtime client: AWS's aws-lambda-ric on Node 22 (what nodejs22.x runs), from process
// start to its first `GET …/invocation/next`, which is when Lambda's Init phase ends. An absolute
// number says little on a shared machine, so two baselines run in the same rounds: a hello-world
// handler (the runtime's own start) and one that only creates a DynamoDBClient at module load, bundled
// the way build.mjs bundles, which is the least any function using DynamoDB pays. The target is a
// ratio to the latter.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lambdaBundleOptions } from '../examples/lambda/bundle-options.mjs';
import { percentile, round } from './world.mjs';

const EXAMPLE = fileURLToPath(new URL('../examples/lambda/', import.meta.url));
const DIST = join(EXAMPLE, 'dist');
// The runtime client, its Node and esbuild are examples/lambda's devDependencies, at its pins.
const exampleRequire = createRequire(join(EXAMPLE, 'package.json'));
const NODE22 = join(dirname(exampleRequire.resolve('node/package.json')), 'bin', 'node');
const RIC = join(dirname(exampleRequire.resolve('aws-lambda-ric/package.json')), 'index.mjs');
/** template.yaml's Handler (`file.export`); the bench's own handlers use the same. */
const HANDLER = 'handler.handler';
/** What the bench compares against; the bundle's init should stay within this multiple of it. */
export const TARGET_RATIO = 1.3;
const INIT_TIMEOUT_MS = 30_000;

/** Every `code` a {@link LambdaInitError} can carry. */
export const LAMBDA_INIT_ERROR_CODES = /** @type {const} */ ([
  'INIT_ERROR',
  'EXITED',
  'TIMED_OUT',
  'SPAWN_FAILED',
]);

/** The runtime could not start, reported an init error, exited, or never asked for an event. */
export class LambdaInitError extends Error {
  /**
   * @param {(typeof LAMBDA_INIT_ERROR_CODES)[number]} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'LambdaInitError';
    this.code = code;
  }
}

/**
 * examples/lambda/build.mjs's options, so the baselines pay what the bundle pays for the same code.
 * Its one plugin is left out: it only trims zod, which the baselines do not import.
 */
function bundleOptions({ entry, outdir }) {
  return {
    ...lambdaBundleOptions({ absWorkingDir: EXAMPLE, entryPoints: { handler: entry }, outdir }),
    // The entries live in a temp dir: resolve their imports where examples/lambda's would resolve.
    nodePaths: [join(EXAMPLE, 'node_modules')],
  };
}

const BASELINES = {
  helloWorld: 'export const handler = async () => ({ statusCode: 200 });\n',
  // The client is used by the handler, so no bundler may drop it as unused.
  dynamoOnly: [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    '',
    'const client = new DynamoDBClient({});',
    'export const handler = async () => ({ statusCode: 200, body: typeof client.send });',
    '',
  ].join('\n'),
};

/** Bundles each baseline into `<dir>/<name>/` (handler.mjs + chunks), the way the deploy artifact is. */
async function buildBaselines(dir) {
  const { build } = await import(pathToFileURL(exampleRequire.resolve('esbuild')).href);
  const dirs = {};
  for (const [name, source] of Object.entries(BASELINES)) {
    const entry = join(dir, `${name}.mjs`);
    await writeFile(entry, source);
    dirs[name] = join(dir, name);
    await build(bundleOptions({ entry, outdir: dirs[name] }));
  }
  return dirs;
}

/**
 * One cold init: starts aws-lambda-ric on Node 22 in `taskRoot` the way Lambda's bootstrap does, and
 * resolves with the milliseconds from spawning it to its first `GET /2018-06-01/runtime/invocation/next`.
 * That request is never answered: the process is killed once it arrives.
 *
 * @param {string} taskRoot
 * @param {Record<string, string>} [env] added to the variables Lambda defines
 */
export async function initOnce(taskRoot, env = {}) {
  let started = 0;
  let settle;
  const done = new Promise((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
      settle.resolve(performance.now() - started);
      return; // left pending, like a long poll with no event queued
    }
    let body = '';
    req.setEncoding('utf8').on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      if (req.url === '/2018-06-01/runtime/init/error')
        settle.reject(new LambdaInitError('INIT_ERROR', `init error in ${taskRoot}: ${body.slice(0, 500)}`));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const nowhere = join(tmpdir(), 'wg-sync-bench-no-aws-config');
  let stderr = '';
  started = performance.now();
  const child = spawn(NODE22, [RIC], {
    cwd: taskRoot,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      _HANDLER: HANDLER,
      LAMBDA_TASK_ROOT: taskRoot,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'wg-sync-bench',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'ASIABENCH',
      AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
      AWS_SESSION_TOKEN: 'bench-session-token',
      // Keep the SDK off this machine's AWS config and metadata service.
      AWS_CONFIG_FILE: nowhere,
      AWS_SHARED_CREDENTIALS_FILE: nowhere,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  // A Node 22 that cannot be started emits 'error' and never 'exit'.
  const exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', (error) => {
      settle.reject(new LambdaInitError('SPAWN_FAILED', `could not start ${NODE22}: ${error.message}`));
      resolve(null);
    });
  });
  exited.then((code) =>
    settle.reject(
      new LambdaInitError(
        'EXITED',
        `the runtime in ${taskRoot} exited (${code}) first: ${stderr.slice(-500)}`,
      ),
    ),
  );
  const timer = setTimeout(
    () =>
      settle.reject(
        new LambdaInitError('TIMED_OUT', `no /next from ${taskRoot} within ${INIT_TIMEOUT_MS} ms`),
      ),
    INIT_TIMEOUT_MS,
  );
  try {
    return await done;
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
    await exited;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Median init of each task root, `runs` times each after one unmeasured round (it fills the page
 * cache, which a real cold start may not have, but which the first of several local runs would
 * otherwise have alone). Rounds alternate between the roots, so load from other processes on this
 * machine falls on all of them alike.
 *
 * @param {Record<string, string>} roots name → task root
 */
export async function initMedians(roots, runs) {
  const times = Object.fromEntries(Object.keys(roots).map((name) => [name, []]));
  for (let round = 0; round <= runs; round++)
    for (const [name, root] of Object.entries(roots)) {
      const ms = await initOnce(root);
      if (round > 0) times[name].push(ms);
    }
  return Object.fromEntries(
    Object.entries(times).map(([name, list]) => [
      name,
      { initMsMedian: round(percentile(list, 50)), initMs: list.map((ms) => round(ms)) },
    ]),
  );
}

/** Which runtime client and Node the inits ran on, e.g. `aws-lambda-ric 4.0.2 on Node 22.23.3`. */
function runtimeName() {
  const ric = exampleRequire('aws-lambda-ric/package.json').version;
  const node = execFileSync(NODE22, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  return `aws-lambda-ric ${ric} on Node ${node}`;
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

export async function lambdaBundle({ runs }) {
  if (!existsSync(DIST)) return { error: 'examples/lambda/dist is missing: run pnpm build' };
  const all = files(DIST).filter((file) => !file.endsWith('.map'));
  const entry = all.find((file) => /[/\\]handler\.m?js$/.test(file));
  if (!entry) return { error: 'no handler.mjs in examples/lambda/dist' };
  const scratch = await mkdtemp(join(tmpdir(), 'wg-sync-bench-lambda-'));
  try {
    const baselines = await buildBaselines(scratch);
    const init = await initMedians({ bundle: DIST, ...baselines }, runs);
    const ratio = round(init.bundle.initMsMedian / init.dynamoOnly.initMsMedian, 2);
    return {
      entryBytes: statSync(entry).size,
      artifactBytes: all.reduce((sum, file) => sum + statSync(file).size, 0),
      files: all.length,
      runtime: runtimeName(),
      runs,
      bundle: init.bundle,
      helloWorld: init.helloWorld,
      dynamoOnly: init.dynamoOnly,
      initRatioToDynamoOnly: ratio,
      targetRatio: TARGET_RATIO,
      withinTarget: ratio <= TARGET_RATIO,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
