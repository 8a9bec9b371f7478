import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DEFERRED_SYNC_RESERVE_SECONDS,
  DYNAMO_TABLE_SCHEMA,
  LAMBDA_HANDLER_ENV_VARS,
  SECRET_KEYS,
} from '@wg-sync/adapter-lambda';
import { receive, startLocalSqs } from '@wg-sync/test-support/local-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CollectionTag, parse, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'handler.mjs');

// CloudFormation's short forms, read as the long forms they stand for.
const INTRINSICS = [
  'Ref',
  'Condition',
  'Sub',
  'GetAtt',
  'Join',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Select',
];
const longName = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);
const customTags = INTRINSICS.flatMap((name): Array<ScalarTag | CollectionTag> => {
  const tag = `!${name}`;
  const wrap = (value: unknown) => ({ [longName(name)]: value });
  return [
    { tag, resolve: (text: string) => wrap(name === 'GetAtt' ? text.split('.') : text) },
    { tag, collection: 'seq', resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => wrap(node.toJSON()) },
    { tag, collection: 'map', resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => wrap(node.toJSON()) },
  ];
});

// biome-ignore lint/suspicious/noExplicitAny: a parsed template is untyped JSON, read field by field in assertions
type Json = Record<string, any>;
const template: Json = parse(readFileSync(join(root, 'template.yaml'), 'utf8'), { customTags });
const resources: Json = template.Resources;
const fn: Json = resources.SyncFunction.Properties;
/** CloudFormation `${…}` placeholders, written without tripping the template-literal lint. */
const cfnSub = (text: string) => ({ 'Fn::Sub': text.replaceAll('$(', '${').replaceAll(')', '}') });
const FUNCTION_NAME = cfnSub('$(AWS::StackName)-sync');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];
/** Core's default `webhookDebounceSeconds`; the template does not change it. */
const DEFAULT_DEBOUNCE_SECONDS = 60;

/** An API Gateway REST (v1) event as the template's API sends it (stage `prod`). */
function restEvent(method: string, path: string, headers: Record<string, string> = {}) {
  const all = { Host: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', 'User-Agent': 'probe', ...headers };
  return {
    resource: path,
    path,
    httpMethod: method,
    headers: all,
    multiValueHeaders: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: { stage: 'prod', path: `/prod${path}`, httpMethod: method, domainName: all.Host },
    body: null,
    isBase64Encoded: false,
  };
}

const PROBE_REQUEST_ID = '8f5d2c1a-0b9e-4c7d-a6f3-2e1b0c9d8a7f';

interface Probe {
  importMs: number;
  exportsHandler: boolean;
  results: Array<{ statusCode: number; body: string }>;
  stderr: string;
}

/**
 * A probe's whole environment: no AWS credentials and no metadata service, so any AWS call fails the
 * probe instead of hanging; the events to handle; then the test's variables.
 */
function probeEnv(env: Record<string, string>, events: unknown[]): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PROBE_EVENTS: JSON.stringify(events),
    ...env,
  };
}

/** Imports the bundle in a fresh node process with only `env`, and runs `events` through its handler. */
function runBundle(env: Record<string, string>, events: unknown[]): Probe {
  const script = `
    const started = performance.now();
    const mod = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const importMs = performance.now() - started;
    const events = JSON.parse(process.env.PROBE_EVENTS);
    const results = [];
    for (const event of events)
      results.push(await mod.handler(event, { functionName: 'wg-sync-sync', awsRequestId: ${JSON.stringify(PROBE_REQUEST_ID)} }));
    process.stdout.write(JSON.stringify({ importMs, exportsHandler: typeof mod.handler === 'function', results }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: probeEnv(env, events),
    timeout: 20_000,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`bundle probe failed (${run.status ?? run.signal}): ${run.stderr}`);
  return { ...(JSON.parse(run.stdout) as Omit<Probe, 'stderr'>), stderr: run.stderr };
}

/** {@link runBundle} without blocking this process (for a probe that talks to a server running here). */
async function runBundleAsync(
  env: Record<string, string>,
  events: unknown[],
): Promise<{ results: unknown[] }> {
  const script = `
    const mod = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const results = [];
    for (const event of JSON.parse(process.env.PROBE_EVENTS))
      results.push(await mod.handler(event, { functionName: 'wg-sync-sync', awsRequestId: 'probe' }));
    process.stdout.write(JSON.stringify({ results }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: probeEnv(env, events),
    timeout: 20_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  // The last lines only: the first ones quote the minified bundle.
  if (code !== 0) throw new Error(`bundle probe failed (${code}): ${stderr.slice(-1500)}`);
  return JSON.parse(stdout) as { results: unknown[] };
}

/** CloudWatch Logs' JSON filter `{ $.field = "value" }` (the only form the template uses). */
function matchesFilter(pattern: string, line: string): boolean {
  const match = /^\{ \$\.(\w+) = "([^"]*)" \}$/.exec(pattern);
  if (!match) throw new Error(`unsupported filter pattern ${pattern}`);
  try {
    return (JSON.parse(line) as Json)[match[1] as string] === match[2];
  } catch {
    return false;
  }
}

/** The other resources a value refers to (Ref, GetAtt, `${X}` in Sub). */
function references(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) references(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') out.add(inner);
      else if (key === 'Fn::GetAtt') out.add((inner as string[])[0] as string);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g))
          out.add(m[1] as string);
        if (Array.isArray(inner)) references(inner[1], out);
      } else references(inner, out);
    }
  }
  return out;
}

beforeAll(() => {
  // `pnpm test` builds first; a lone `vitest run --project example-lambda` may not have.
  if (!existsSync(bundle)) execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'inherit' });
}, 120_000);

describe('template.yaml: the API', () => {
  const paths: Json = resources.SyncApi.Properties.DefinitionBody.paths;
  const routes = Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(item as Json)
      .filter((key) => METHODS.includes(key.toUpperCase()))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );

  it('has exactly the routes of DESIGN.md, each a Lambda proxy integration on the function', () => {
    expect(routes.sort()).toEqual(
      [
        'GET /health',
        'HEAD /health',
        'HEAD /webhook/withings',
        'GET /webhook/withings',
        'POST /webhook/withings',
        'HEAD /webhook/withings/{secret}',
        'GET /webhook/withings/{secret}',
        'POST /webhook/withings/{secret}',
        'POST /sync/manual',
        'GET /status',
        'HEAD /status',
      ].sort(),
    );
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item as Json)) {
        if (!METHODS.includes(method.toUpperCase())) continue;
        const integration = operation['x-amazon-apigateway-integration'];
        expect(integration, `${method} ${path}`).toMatchObject({ type: 'aws_proxy', httpMethod: 'POST' });
        expect(integration.uri['Fn::Sub']).toMatch(/:function:\$\{AWS::StackName\}-sync\/invocations$/);
      }
    }
    expect(fn.FunctionName).toEqual(FUNCTION_NAME);
    expect(resources.ApiInvokePermission.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { Ref: 'SyncFunction' },
    });
  });

  it("throttles per method: the secret webhook path's POST has its own bucket, everything else a lower one", () => {
    const settings: Json[] = resources.SyncApi.Properties.MethodSettings;
    // API Gateway's encoding: "/" + the path with each "/" written "~1" (/a/b → /~1a~1b).
    const decode = (resourcePath: string) => resourcePath.replace(/^\//, '').replaceAll('~1', '/');
    const key = (s: Json) => `${s.HttpMethod} ${s.ResourcePath}`;
    expect(new Set(settings.map(key)).size).toBe(settings.length);
    // Each entry names a method the API has (a typo would silently leave it on the default).
    for (const setting of settings) {
      if (setting.ResourcePath === '/*') {
        expect(setting.HttpMethod).toBe('*');
        continue;
      }
      expect(routes, key(setting)).toContain(`${setting.HttpMethod} ${decode(setting.ResourcePath)}`);
    }
    const fallback = settings.find((s) => s.ResourcePath === '/*') as Json;
    const limitOf = (route: string) =>
      settings.find((s) => `${s.HttpMethod} ${decode(s.ResourcePath)}` === route) ?? fallback;
    const webhook = limitOf('POST /webhook/withings/{secret}');
    expect(webhook).not.toBe(fallback);
    expect(webhook.ThrottlingRateLimit).toBeGreaterThanOrEqual(5);
    for (const route of routes.filter((r) => r !== 'POST /webhook/withings/{secret}')) {
      const limit = limitOf(route);
      expect(limit, route).not.toBe(webhook);
      expect(limit.ThrottlingRateLimit, route).toBeLessThan(webhook.ThrottlingRateLimit);
      expect(limit.ThrottlingBurstLimit, route).toBeLessThan(webhook.ThrottlingBurstLimit);
    }
    for (const route of ['POST /sync/manual', 'GET /status'])
      expect(limitOf(route), route).not.toBe(fallback);
  });

  it('deploys one stage, the StageName one, and the throttling above is on it', () => {
    // What SAM's transform makes of an AWS::Serverless::Api (samtranslator api_generator.py, checked
    // against aws-sam-translator 1.110.0's output for this template): one Stage resource named
    // StageName, carrying MethodSettings, plus a Deployment that also creates a stage "Stage" (no
    // MethodSettings: every route unthrottled under /Stage/…) unless OpenApiVersion is set, on the
    // resource or in Globals.Api (aws/serverless-application-model#1202).
    const api = resources.SyncApi.Properties;
    const openApiVersion = api.OpenApiVersion ?? template.Globals?.Api?.OpenApiVersion;
    const samStages = (): Array<{ name: unknown; throttled: boolean }> => [
      { name: api.StageName, throttled: (api.MethodSettings ?? []).length > 0 },
      ...(openApiVersion && /^[2-3](\.\d)(\.\d)?$/.test(String(openApiVersion))
        ? []
        : [{ name: 'Stage', throttled: false }]),
    ];
    expect(samStages()).toEqual([{ name: { Ref: 'StageName' }, throttled: true }]);
    // "2.0" would also remove the stage, but tells SAM to edit the definition as Swagger 2.0: the
    // version has to be the definition's own.
    expect(openApiVersion).toMatch(/^3\.\d+\.\d+$/);
    expect(openApiVersion).toBe(api.DefinitionBody.openapi);
    // Nothing else deploys the API, and every URL the stack hands out is on that stage.
    const gatewayResources = Object.entries(resources)
      .filter(([, r]) => String((r as Json).Type).startsWith('AWS::ApiGateway::'))
      .map(([name]) => name);
    expect(gatewayResources).toEqual([]);
    for (const [name, output] of Object.entries(template.Outputs as Json)) {
      const text = JSON.stringify(output.Value);
      if (text.includes('execute-api')) expect(text, name).toContain(`/\${StageName}`);
    }
    expect(JSON.stringify(fn.Environment.Variables.WG_SYNC_PUBLIC_URL)).toContain(`/\${StageName}`);
  });

  it('serves, through the bundled handler, exactly those methods on those paths', () => {
    const env = {
      WG_SYNC_TABLE: 'wg-sync-state',
      WITHINGS_CLIENT_ID: 'probe-client-id',
      WITHINGS_CLIENT_SECRET: 'probe-client-secret-0123456789',
      WG_SYNC_API_TOKEN: 'probe-api-token-0123456789',
      AWS_REGION: 'eu-west-1',
      WG_SYNC_LOG_LEVEL: 'error',
    };
    const secret = 'probe-webhook-secret-0123';
    const concrete = (path: string) => path.replace('{secret}', secret);
    for (const withSecret of [false, true]) {
      const candidates = Object.keys(paths).filter((path) => path.includes('{secret}') === withSecret);
      const probes = [
        ...candidates.flatMap((path) => METHODS.map((method) => [method, path])),
        ['GET', '/nope'],
      ];
      const { results } = runBundle(
        withSecret ? { ...env, WG_SYNC_WEBHOOK_SECRET: secret } : env,
        probes.map(([method, path]) => restEvent(method as string, concrete(path as string))),
      );
      const served = probes
        .filter((_, i) => ![404, 405].includes(results[i]?.statusCode as number))
        .map(([method, path]) => `${method} ${path}`);
      expect(served.sort()).toEqual(routes.filter((r) => r.includes('{secret}') === withSecret).sort());
      expect(results.every((r) => r.statusCode < 500)).toBe(true);
    }
  });
});

describe('template.yaml: a custom domain with a base path', () => {
  const { BasePath, PublicUrl } = template.Parameters;

  it('takes BasePath and PublicUrl as optional parameters, and refuses a base path without its URL', () => {
    expect(BasePath.Default).toBe('');
    expect(PublicUrl.Default).toBe('');
    const rule = template.Rules.BasePathNeedsPublicUrl;
    expect(rule.RuleCondition).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BasePath' }, ''] }] });
    expect(rule.Assertions[0].Assert).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'PublicUrl' }, ''] }] });
    const url = new RegExp(PublicUrl.AllowedPattern);
    for (const ok of ['', 'https://sync.example.com/wg', 'https://sync.example.com']) expect(ok).toMatch(url);
    for (const bad of ['http://sync.example.com', 'https://sync.example.com/wg/', 'https://x/?a'])
      expect(bad).not.toMatch(url);
  });

  it('every base path the parameter allows is served by the bundle through the mapping, and only there', () => {
    const pattern = new RegExp(BasePath.AllowedPattern);
    for (const bad of ['/wg', 'wg/', 'w g', 'wg?x']) expect(bad, bad).not.toMatch(pattern);
    const env = {
      WG_SYNC_TABLE: 'wg-sync-state',
      WITHINGS_CLIENT_ID: 'probe-client-id',
      WITHINGS_CLIENT_SECRET: 'probe-client-secret-0123456789',
      AWS_REGION: 'eu-west-1',
      WG_SYNC_LOG_LEVEL: 'error',
    };
    for (const basePath of ['wg', 'api/v1', "a$_.+!*'()-b"]) {
      expect(basePath).toMatch(pattern);
      const customDomain = (path: string) => {
        const event = restEvent('GET', path, { Host: 'sync.example.com' });
        return {
          ...event,
          requestContext: { ...event.requestContext, path, domainName: 'sync.example.com' },
        };
      };
      const { results } = runBundle({ ...env, WG_SYNC_BASE_PATH: basePath }, [
        customDomain(`/${basePath}/health`),
        restEvent('GET', '/health'),
      ]);
      expect(
        results.map((r) => r.statusCode),
        basePath,
      ).toEqual([200, 404]);
    }
    // Left empty, the parameter sets the variable to "", which means no base path.
    expect(
      runBundle({ ...env, WG_SYNC_BASE_PATH: '' }, [restEvent('GET', '/health')]).results[0]?.statusCode,
    ).toBe(200);
  });
});

describe('template.yaml: the function', () => {
  it('runs the esbuild bundle on nodejs22.x arm64 with a timeout that fits a debounce window and a sync', () => {
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      CodeUri: 'dist/',
      Handler: 'handler.handler',
    });
    // A closing sync waits for the end of the (default 60 s) window, and only while the time it keeps
    // for the sync itself would still be left: otherwise it runs early.
    expect(fn.Timeout - DEFERRED_SYNC_RESERVE_SECONDS).toBeGreaterThanOrEqual(DEFAULT_DEBOUNCE_SECONDS);
    expect(fn.Timeout).toBeLessThanOrEqual(900);
    // Every attempt of a queued sync (Lambda retries twice, after 1 and then 2 minutes) is delivered
    // before Lambda drops the event, and the adapter accepts events that old.
    const { MaximumEventAgeInSeconds: maxAge, MaximumRetryAttempts: retries } = fn.EventInvokeConfig;
    expect(maxAge).toBeGreaterThanOrEqual((retries + 1) * fn.Timeout + 60 + 120);
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(fn.MemorySize).toBeGreaterThanOrEqual(256);
    expect(existsSync(join(root, fn.CodeUri, `${fn.Handler.split('.')[0]}.mjs`))).toBe(true);
  });

  it('enqueues the due reconciles from an EventBridge schedule every 15 minutes (the enqueue window)', () => {
    const schedules = Object.values(fn.Events as Json).filter((event) => event.Type === 'Schedule');
    expect(schedules).toHaveLength(1);
    expect(schedules[0].Properties).toMatchObject({ Schedule: 'rate(15 minutes)', Enabled: true });
    // Core's default enqueue window is 15 minutes: one event per window, so every slot is enqueued once.
    const [, minutes] = /^rate\((\d+) minutes\)$/.exec(schedules[0].Properties.Schedule) ?? [];
    expect(Number(minutes) * 60).toBe(15 * 60);
  });

  it('sets the variables the handler needs, only ones it reads, and no secret', () => {
    const variables: Json = fn.Environment.Variables;
    for (const name of Object.keys(variables)) expect(LAMBDA_HANDLER_ENV_VARS).toContain(name);
    expect(variables.WG_SYNC_TABLE).toEqual({ Ref: 'StateTable' });
    expect(variables.WG_SYNC_SECRET_ID).toEqual({ Ref: 'CredentialsSecret' });
    expect(variables.WG_SYNC_WEBHOOK_SECRET_ID).toEqual({ Ref: 'WebhookSecret' });
    // PublicUrl (a custom domain) when set, else the API's own URL on its stage.
    const [condition, custom, own] = variables.WG_SYNC_PUBLIC_URL['Fn::If'];
    expect([condition, custom]).toEqual(['HasPublicUrl', { Ref: 'PublicUrl' }]);
    expect(own['Fn::Sub']).toMatch(/^https:\/\/\$\{SyncApi\}\.execute-api\..*\/\$\{StageName\}$/);
    expect(variables.WG_SYNC_BASE_PATH).toEqual({ Ref: 'BasePath' });
    expect(['async-invoke', 'inline']).toContain(variables.WG_SYNC_PROCESSING);
    for (const key of SECRET_KEYS) expect(variables).not.toHaveProperty(key);
    // Async events older than the adapter accepts (3600 s) must not be delivered at all.
    expect(fn.EventInvokeConfig.MaximumEventAgeInSeconds).toBeLessThanOrEqual(3600);
  });

  it('has least-privilege permissions: its table, its secrets, its queues', () => {
    expect(fn.Policies).toHaveLength(1);
    const statements: Json[] = fn.Policies[0].Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(['Credentials', 'StateTable', 'WorkQueue']);
    // With the queue, nothing invokes the function itself any more.
    expect(JSON.stringify(statements)).not.toContain('lambda:InvokeFunction');
    for (const statement of statements) expect(statement.Effect).toBe('Allow');
    expect(bySid.StateTable.Action.sort()).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
      ].sort(),
    );
    expect(bySid.StateTable.Resource).toEqual([
      { 'Fn::GetAtt': ['StateTable', 'Arn'] },
      { 'Fn::Sub': `\${StateTable.Arn}/index/${DYNAMO_TABLE_SCHEMA.keyIndex}` },
    ]);
    expect(bySid.Credentials.Action).toBe('secretsmanager:GetSecretValue');
    expect(bySid.Credentials.Resource).toEqual([{ Ref: 'CredentialsSecret' }, { Ref: 'WebhookSecret' }]);
    expect(bySid.WorkQueue.Action.sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:SendMessage']);
    expect(bySid.WorkQueue.Resource).toEqual([
      { 'Fn::GetAtt': ['WorkQueue', 'Arn'] },
      { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
    ]);
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
      for (const resource of [statement.Resource].flat()) expect(resource).not.toBe('*');
    }
  });
});

describe('template.yaml: the work queue', () => {
  const queue: Json = resources.WorkQueue.Properties;
  const dead: Json = resources.DeadLetterQueue.Properties;
  const variables: Json = fn.Environment.Variables;
  const work: Json = fn.Events.Work;

  it('has a work queue whose dead-letter queue takes a message after 5 receives, the number the function is told', () => {
    expect(resources.WorkQueue.Type).toBe('AWS::SQS::Queue');
    expect(resources.DeadLetterQueue.Type).toBe('AWS::SQS::Queue');
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
    // The function dead-letters with a reason on the last receive it is allowed; SQS would move it
    // on the next one without. Both must count the same.
    expect(Number(variables.WG_SYNC_QUEUE_MAX_RECEIVES)).toBe(queue.RedrivePolicy.maxReceiveCount);
    expect(variables.WG_SYNC_QUEUE_URL).toEqual({ Ref: 'WorkQueue' });
    expect(variables.WG_SYNC_DEAD_LETTER_QUEUE_URL).toEqual({ Ref: 'DeadLetterQueue' });
    for (const q of [queue, dead]) expect(q.SqsManagedSseEnabled).toBe(true);
    // A standard queue's message expires by its first enqueue time, in the dead-letter queue too:
    // it must keep messages longer than the work queue, or a dead letter could vanish on arrival.
    expect(dead.MessageRetentionPeriod).toBeGreaterThan(queue.MessageRetentionPeriod);
    expect(dead.MessageRetentionPeriod).toBeLessThanOrEqual(1_209_600);
  });

  it("hides a message being worked for 6 × the function's timeout (AWS's advice for an event source)", () => {
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
    expect(queue.VisibilityTimeout).toBeLessThanOrEqual(43_200);
  });

  it('is consumed by the function: batches of at most 10, each record answered, bounded concurrency', () => {
    expect(work.Type).toBe('SQS');
    expect(work.Properties).toMatchObject({
      Queue: { 'Fn::GetAtt': ['WorkQueue', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: { Ref: 'QueueConcurrency' } },
      Enabled: true,
    });
    // Above 10 records SQS wants a batching window, and a batch must fit in one invocation.
    expect(work.Properties.BatchSize).toBeGreaterThanOrEqual(1);
    expect(work.Properties.BatchSize).toBeLessThanOrEqual(10);
    const concurrency = template.Parameters.QueueConcurrency;
    // What ScalingConfig accepts.
    expect(concurrency).toMatchObject({ Type: 'Number', MinValue: 2, MaxValue: 1000 });
    expect(concurrency.Default).toBeGreaterThanOrEqual(2);
  });

  it("alarms when work reaches the dead-letter queue and when the oldest message's age passes a slot's delay", () => {
    const dlq = resources.DeadLetterQueueAlarm.Properties;
    expect(dlq).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
    const age = resources.QueueAgeAlarm.Properties;
    expect(age).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['WorkQueue', 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
    // A reconcile waits up to 15 minutes for its slot (SQS's longest delay) and a failed message
    // backs off 30 + 60 + 120 + 240 s before its last receive: neither is an alarm.
    expect(age.Threshold).toBeGreaterThan(900 + 450);
    expect(age.Threshold * age.EvaluationPeriods).toBeLessThanOrEqual(2 * 3600);
  });

  it('outputs both queue URLs', () => {
    expect(template.Outputs.WorkQueueUrl.Value).toEqual({ Ref: 'WorkQueue' });
    expect(template.Outputs.DeadLetterQueueUrl.Value).toEqual({ Ref: 'DeadLetterQueue' });
  });

  it('the bundled handler answers an SQS batch in queue mode: a record that is no work message is dead-lettered with its reason and acknowledged', async () => {
    const sqs = await startLocalSqs();
    try {
      const { queueUrl, deadLetterQueueUrl } = await sqs.queues();
      const record = {
        messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
        receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
        body: '{"v":99,"kind":"webhook"}',
        attributes: { ApproximateReceiveCount: '1' },
        messageAttributes: {},
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${queueUrl.split('/').pop()}`,
        awsRegion: 'eu-west-1',
      };
      const { results } = await runBundleAsync(
        {
          WG_SYNC_TABLE: 'wg-sync-state',
          WITHINGS_CLIENT_ID: 'probe-client-id',
          WITHINGS_CLIENT_SECRET: 'probe-client-secret-0123456789',
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_ENDPOINT_URL_SQS: sqs.endpoint,
          WG_SYNC_QUEUE_URL: queueUrl,
          WG_SYNC_DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
          WG_SYNC_QUEUE_MAX_RECEIVES: '5',
          WG_SYNC_LOG_LEVEL: 'error',
        },
        [{ Records: [record] }],
      );
      expect(results).toEqual([{ batchItemFailures: [] }]);
      const dead = await receive(sqs.client(), deadLetterQueueUrl);
      expect(dead.map((m) => [m.Body, m.MessageAttributes?.reason?.StringValue])).toEqual([
        [record.body, 'INVALID_WORK_MESSAGE'],
      ]);
    } finally {
      await sqs.close();
    }
  });
});

describe('template.yaml: state, secret, alarms', () => {
  it('creates the table dynamoStore expects: on demand, key (S), the keys-only bySegment index, TTL on expiresAt', () => {
    const table = resources.StateTable.Properties;
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.KeySchema).toEqual([{ AttributeName: DYNAMO_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }]);
    expect(table.AttributeDefinitions).toEqual([
      { AttributeName: DYNAMO_TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
      { AttributeName: DYNAMO_TABLE_SCHEMA.segmentAttribute, AttributeType: 'S' },
    ]);
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: DYNAMO_TABLE_SCHEMA.keyIndex,
        KeySchema: [
          { AttributeName: DYNAMO_TABLE_SCHEMA.segmentAttribute, KeyType: 'HASH' },
          { AttributeName: DYNAMO_TABLE_SCHEMA.partitionKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    expect(table.TimeToLiveSpecification).toEqual({
      AttributeName: DYNAMO_TABLE_SCHEMA.ttlAttribute,
      Enabled: true,
    });
  });

  it('creates the secret with exactly the keys the adapter reads', () => {
    const generate = resources.CredentialsSecret.Properties.GenerateSecretString;
    const keys = [...Object.keys(JSON.parse(generate.SecretStringTemplate)), generate.GenerateStringKey];
    expect(keys.sort()).toEqual([...SECRET_KEYS].sort());
  });

  it("never changes the credentials secret's generator (an update would generate the whole value again, wiping the credentials)", () => {
    expect(resources.CredentialsSecret.Properties.GenerateSecretString).toEqual({
      SecretStringTemplate:
        '{"WITHINGS_CLIENT_ID":"","WITHINGS_CLIENT_SECRET":"","WG_SYNC_WEBHOOK_SECRET":""}',
      GenerateStringKey: 'WG_SYNC_API_TOKEN',
      PasswordLength: 40,
      ExcludePunctuation: true,
    });
  });

  it('generates the webhook secret the way it generates the API token, and the function reads it', () => {
    const secret = resources.WebhookSecret;
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    const generate = secret.Properties.GenerateSecretString;
    const token = resources.CredentialsSecret.Properties.GenerateSecretString;
    expect(generate).toMatchObject({
      GenerateStringKey: 'WG_SYNC_WEBHOOK_SECRET',
      PasswordLength: token.PasswordLength,
      ExcludePunctuation: true,
    });
    expect(generate.IncludeSpace ?? false).toBe(false);
    // Only that key: the function reads nothing else from this secret.
    expect(JSON.parse(generate.SecretStringTemplate)).toEqual({});
    // What it generates (letters and digits) is a webhook secret core accepts.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const sample = Array.from(
      randomBytes(generate.PasswordLength),
      (b) => alphabet[b % alphabet.length],
    ).join('');
    expect(sample).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    expect(generate.PasswordLength).toBeGreaterThanOrEqual(32);
    expect(fn.Environment.Variables.WG_SYNC_WEBHOOK_SECRET_ID).toEqual({ Ref: 'WebhookSecret' });
    const read = fn.Policies[0].Statement.find((s: Json) => s.Action === 'secretsmanager:GetSecretValue');
    expect([read.Resource].flat()).toContainEqual({ Ref: 'WebhookSecret' });
  });

  it('alarms on function errors, alert lines and error lines, to an SNS topic with an e-mail subscription', () => {
    const alarms = Object.values(resources).filter(
      (r: Json) => r.Type === 'AWS::CloudWatch::Alarm',
    ) as Json[];
    expect(alarms).toHaveLength(5);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
    expect(alarms.map((a) => a.Properties.MetricName)).toContainEqual('Errors');
    expect(resources.FunctionErrorsAlarm.Properties.Dimensions).toEqual([
      { Name: 'FunctionName', Value: { Ref: 'SyncFunction' } },
    ]);
    expect(resources.AlertEmailSubscription.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: { Ref: 'AlertEmail' },
      TopicArn: { Ref: 'AlertTopic' },
    });
    for (const filter of ['AlertMetricFilter', 'ErrorLogMetricFilter']) {
      const properties = resources[filter].Properties;
      expect(properties.LogGroupName).toEqual({ Ref: 'SyncLogGroup' });
      const metric = properties.MetricTransformations[0];
      const alarm = alarms.find(
        (a) => JSON.stringify(a.Properties.MetricName) === JSON.stringify(metric.MetricName),
      );
      expect(alarm?.Properties.Namespace, filter).toBe(metric.MetricNamespace);
    }
    expect(resources.SyncLogGroup.Properties.LogGroupName).toEqual(
      cfnSub('/aws/lambda/$(AWS::StackName)-sync'),
    );
  });

  it('the alert filter matches the line core writes for an alert (the event name is in the bundle)', () => {
    const pattern = resources.AlertMetricFilter.Properties.FilterPattern;
    expect(
      matchesFilter(
        pattern,
        '{"level":"warn","time":"2026-11-20T06:00:00.000Z","event":"alert","type":"STALE"}',
      ),
    ).toBe(true);
    expect(matchesFilter(pattern, '{"level":"info","event":"sync.completed"}')).toBe(false);
    const code = readdirSync(join(root, 'dist'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.mjs'))
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
      .join('\n');
    expect(code).toMatch(/\.warn\("alert",/);
  });

  it('has no circular dependency between resources (the self-invoke ARN and the public URL are built by name)', () => {
    const names = new Set(Object.keys(resources));
    const edges = new Map(
      Object.entries(resources).map(([name, resource]) => [
        name,
        [...references((resource as Json).Properties), ...[(resource as Json).DependsOn ?? []].flat()].filter(
          (ref: string) => names.has(ref) && ref !== name,
        ),
      ]),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, trail: string[]) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') throw new Error(`cycle: ${[...trail, name].join(' → ')}`);
      state.set(name, 'visiting');
      for (const next of edges.get(name) ?? []) visit(next, [...trail, name]);
      state.set(name, 'done');
    };
    for (const name of names) visit(name, []);
    expect(edges.get('SyncFunction')).toContain('SyncApi');
    expect(edges.get('SyncApi')).not.toContain('SyncFunction');
  });

  it('outputs the webhook URL (secret path, never the secret), the manual-sync URL and the table name', () => {
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['WebhookUrl', 'WebhookSecretArn', 'ManualSyncUrl', 'StateTableName']),
    );
    // Each URL is the public base (PublicUrl, else the execute-api URL) plus its route.
    const route = (name: string) => {
      const [text, { Base }] = template.Outputs[name].Value['Fn::Sub'];
      expect(Base, name).toEqual(fn.Environment.Variables.WG_SYNC_PUBLIC_URL);
      expect(template.Outputs.ApiBaseUrl.Value, name).toEqual(fn.Environment.Variables.WG_SYNC_PUBLIC_URL);
      return text as string;
    };
    expect(route('WebhookUrl')).toMatch(/^\$\{Base\}\/webhook\/withings\/\{secret\}$/);
    expect(template.Outputs.WebhookSecretArn.Value).toEqual({ Ref: 'WebhookSecret' });
    // Outputs are shown to anyone who may describe the stack: no secret value, resolved or generated.
    const outputs = JSON.stringify(template.Outputs);
    expect(outputs).not.toMatch(/resolve:secretsmanager|SecretString/);
    expect(route('ManualSyncUrl')).toMatch(/^\$\{Base\}\/sync\/manual$/);
    expect(route('HealthUrl')).toMatch(/^\$\{Base\}\/health$/);
    expect(template.Outputs.StateTableName.Value).toEqual({ Ref: 'StateTable' });
  });
});

describe('the bundle (dist/)', () => {
  it('loads in a fresh node process, exports handler, does no work at import, and logs a config error but never answers it', () => {
    const probe = runBundle({}, [restEvent('GET', '/health'), restEvent('GET', '/status')]);
    expect(probe.exportsHandler).toBe(true);
    const [health, status] = probe.results;
    expect(health?.statusCode).toBe(503);
    expect(health?.body).toBe('{"ok":false}');
    expect(status?.statusCode).toBe(500);
    const { error } = JSON.parse(status?.body ?? '{}');
    expect(error).toEqual({
      code: 'INTERNAL',
      message: 'wg-sync is not available',
      requestId: PROBE_REQUEST_ID,
    });
    const logged = probe.stderr.split('\n').filter((line) => line.includes('lambda.config.invalid'));
    expect(logged).toHaveLength(2);
    const line = JSON.parse(logged[1] as string);
    expect(line.requestId).toBe(PROBE_REQUEST_ID);
    expect(line.problems.join('\n')).toMatch(/WG_SYNC_TABLE is required/);
    expect(line.problems.join('\n')).toMatch(/WITHINGS_CLIENT_ID is required/);
    expect(matchesFilter(resources.ErrorLogMetricFilter.Properties.FilterPattern, logged[0] as string)).toBe(
      true,
    );
    console.log(`bundled handler: imported in ${probe.importMs.toFixed(1)} ms`);
  });

  it('keeps the FIT SDK out of the cold start: its own chunk, not statically imported', () => {
    const staticGraph = new Set<string>();
    const walk = (file: string) => {
      if (staticGraph.has(file)) return;
      staticGraph.add(file);
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w${},\s*]+from\s*)?"(\.[^"]+)"/g))
        walk(join(dirname(file), m[1] as string));
    };
    walk(bundle);
    const chunks = readdirSync(join(root, 'dist', 'chunks')).map((name) =>
      join(root, 'dist', 'chunks', name),
    );
    const fit = chunks.filter((file) => readFileSync(file, 'utf8').includes('weightedSwissBallPlank'));
    expect(fit.length).toBeGreaterThan(0);
    for (const file of fit) expect(staticGraph.has(file)).toBe(false);
    expect(readFileSync(bundle, 'utf8')).not.toMatch(/require\("@aws-sdk/);
  });
});
