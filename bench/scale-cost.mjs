// Cost per 1 000 accounts per month on AWS, from what the scale bench counted: Lambda GB-seconds
// (durations × the template's MemorySize), Lambda and API Gateway requests, SQS requests and
// DynamoDB request units. Free tiers are left out; CloudWatch (logs, alarms) too.
import { readFileSync } from 'node:fs';

/**
 * AWS list prices, us-east-1, as published when this was written (December 2026; DynamoDB's on-demand
 * prices are those of its November 2024 cut). This machine cannot reach aws.amazon.com: check
 * https://aws.amazon.com/lambda/pricing/, /sqs/pricing/, /dynamodb/pricing/on-demand/ and
 * /api-gateway/pricing/ before relying on them.
 */
export const PRICES = {
  asOf: 'December 2026 (not re-checked online from the bench machine)',
  lambdaArm64PerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sqsPerMillionRequests: 0.4,
  dynamoPerMillionReadUnits: 0.125,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoStoragePerGbMonth: 0.25,
  apiGatewayRestPerMillionRequests: 3.5,
};

const HOURS_PER_MONTH = 730;
/** An assumption, not a count: one weigh-in (one webhook) per account per day. */
export const WEBHOOKS_PER_ACCOUNT_PER_DAY = 1;

/** The function's MemorySize in examples/lambda/template.yaml, in MB. */
export function templateMemoryMb() {
  const template = readFileSync(new URL('../examples/lambda/template.yaml', import.meta.url), 'utf8');
  const match = /^\s+MemorySize:\s*(\d+)/m.exec(template);
  if (!match) throw new Error('scale: no MemorySize in examples/lambda/template.yaml');
  return Number(match[1]);
}

/**
 * @param {{ accounts: number, tick: Unit, reconcile: Unit, webhook: Unit }} counted per operation:
 *   `Unit = { lambdaMs, invocations, sqs, rru, wru, api? }`; the tick's figures are for `accounts`.
 */
export function monthlyCost({ accounts, tick, reconcile, webhook, stateBytesPerAccount }) {
  const memoryMb = templateMemoryMb();
  const per1000 = 1000 / accounts;
  const perMonth = {
    tick: HOURS_PER_MONTH * 4, // every 15 minutes; each lists every account
    reconcile: 1000 * (HOURS_PER_MONTH / 6),
    webhook: 1000 * 30.42 * WEBHOOKS_PER_ACCOUNT_PER_DAY,
  };
  const scaleOf = { tick: per1000, reconcile: 1, webhook: 1 };
  const units = { tick, reconcile, webhook };
  const lines = [];
  const total = { lambda: 0, sqs: 0, dynamo: 0, api: 0 };
  for (const kind of ['tick', 'reconcile', 'webhook']) {
    const u = units[kind];
    // Operations a month for 1 000 accounts: a tick lists every account, so 1 000 accounts' share.
    const n = perMonth[kind] * scaleOf[kind];
    const gbSeconds = (n * u.lambdaMs * memoryMb) / 1024 / 1000;
    const lambda =
      gbSeconds * PRICES.lambdaArm64PerGbSecond +
      ((n * u.invocations) / 1e6) * PRICES.lambdaPerMillionRequests;
    const sqs = ((n * u.sqs) / 1e6) * PRICES.sqsPerMillionRequests;
    const dynamo =
      ((n * u.rru) / 1e6) * PRICES.dynamoPerMillionReadUnits +
      ((n * u.wru) / 1e6) * PRICES.dynamoPerMillionWriteUnits;
    const api = ((n * (u.api ?? 0)) / 1e6) * PRICES.apiGatewayRestPerMillionRequests;
    total.lambda += lambda;
    total.sqs += sqs;
    total.dynamo += dynamo;
    total.api += api;
    const what =
      kind === 'tick'
        ? `${perMonth.tick} ticks × 1 000/${accounts} accounts = ${fmt(n)} ticks`
        : `${fmt(n)} ${kind}s`;
    lines.push(
      `${kind}: ${what}; Lambda ${fmt(n)} × ${fmt(u.lambdaMs)} ms × ${memoryMb} MB = ${fmt(gbSeconds)} GB-s × $${PRICES.lambdaArm64PerGbSecond} + ${fmt(n * u.invocations)} invocations × $${PRICES.lambdaPerMillionRequests}/M = $${money(lambda)}; ` +
        `SQS ${fmt(n)} × ${fmt(u.sqs)} = ${fmt(n * u.sqs)} requests × $${PRICES.sqsPerMillionRequests}/M = $${money(sqs)}; ` +
        `DynamoDB ${fmt(n)} × (${fmt(u.rru)} RRU, ${fmt(u.wru)} WRU) × ($${PRICES.dynamoPerMillionReadUnits}, $${PRICES.dynamoPerMillionWriteUnits})/M = $${money(dynamo)}` +
        (u.api
          ? `; API Gateway ${fmt(n * u.api)} requests × $${PRICES.apiGatewayRestPerMillionRequests}/M = $${money(api)}`
          : ''),
    );
  }
  const storageGb = (stateBytesPerAccount * 1000) / 1e9;
  const storage = storageGb * PRICES.dynamoStoragePerGbMonth;
  lines.push(
    `storage: ${fmt(stateBytesPerAccount)} bytes of state per account × 1 000 = ${fmt(storageGb * 1000)} MB × $${PRICES.dynamoStoragePerGbMonth}/GB-month = $${money(storage)}`,
  );
  const sum = total.lambda + total.sqs + total.dynamo + total.api + storage;
  lines.push(
    `total per 1 000 accounts per month: Lambda $${money(total.lambda)} + SQS $${money(total.sqs)} + DynamoDB $${money(total.dynamo + storage)} + API Gateway $${money(total.api)} = $${money(sum)}`,
  );
  return {
    prices: PRICES,
    memoryMb,
    webhooksPerAccountPerDay: WEBHOOKS_PER_ACCOUNT_PER_DAY,
    perMonth,
    usd: {
      lambda: round(total.lambda),
      sqs: round(total.sqs),
      dynamo: round(total.dynamo + storage),
      api: round(total.api),
      total: round(sum),
    },
    lines,
  };
}

const round = (value) => Math.round(value * 10_000) / 10_000;
const money = (value) => value.toFixed(value < 0.1 ? 4 : 2);
const fmt = (value) =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 100) / 100);
