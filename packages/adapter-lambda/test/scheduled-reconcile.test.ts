import { startHttpServer } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaAdapterError } from '../src/errors.js';
import { lambdaAdapter } from '../src/lambda-adapter.js';
import type { LambdaEventResult } from '../src/lambda-events.js';
import { ReconcileFailedError } from '../src/scheduled-event.js';
import { fixture, lambdaContext, minutesAgo, WEBHOOK_SECRET, type World, world } from './harness.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

type Line = { level: string; event: string; [field: string]: unknown };
const lines = (w: World): Line[] => w.logs.map((l) => JSON.parse(l) as Line);

/** The deployment's public URL, down: Withings' HEAD check of the callback gets a 503. */
async function unreachable(): Promise<string> {
  const server = await startHttpServer(() => new Response('down', { status: 503 }));
  servers.push(server);
  return server.url;
}

async function scheduled(w: World) {
  const handler = lambdaAdapter(w.sync, { processing: 'inline', logger: w.config.logger });
  return handler(fixture('eventbridge-scheduled-event'), lambdaContext());
}

describe('a scheduled reconcile fails the invocation when anything failed', { timeout: 30_000 }, () => {
  it('subscription lost: rejects with ReconcileFailedError carrying the redacted summary, after logging the report', async () => {
    const publicUrl = await unreachable();
    const w = await world({ publicUrl, webhookSecret: WEBHOOK_SECRET });
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(30), weightKg: 79.9 });

    const error = await scheduled(w).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconcileFailedError);
    expect(error).toBeInstanceOf(LambdaAdapterError);
    const failed = error as ReconcileFailedError;
    expect(failed.code).toBe('RECONCILE_FAILED');
    expect(failed.summary).toEqual({
      accounts: 1,
      failures: [
        { userId: w.userId, step: 'subscription', code: 'CALLBACK_UNREACHABLE', message: expect.any(String) },
      ],
      alerts: ['SUBSCRIPTION_LOST'],
    });
    expect(failed.message).toContain(`user ${w.userId} subscription CALLBACK_UNREACHABLE`);
    expect(failed.message).toContain('SUBSCRIPTION_LOST');
    expect(failed.report.accounts[0]?.report?.synced).toHaveLength(1); // the catch-up sync still ran
    expect(w.garmin.weighIns(w.garminEmail)).toHaveLength(1);

    const logged = lines(w).find((l) => l.event === 'lambda.reconcile.failed');
    expect(logged).toMatchObject({ level: 'warn', failures: failed.summary.failures, report: { ok: false } });
    expect(lines(w).some((l) => l.event === 'alert' && l.type === 'SUBSCRIPTION_LOST')).toBe(true);
    const shown = JSON.stringify({ message: failed.message, summary: failed.summary, report: failed.report });
    for (const secret of w.secrets()) expect(shown + w.logs.join('\n')).not.toContain(secret);
  });

  it('a failed catch-up sync (Garmin down) fails the invocation too', async () => {
    const w = await world();
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(30), weightKg: 79.9 });
    w.garmin.faults.add('server-error', 20);
    const error = await scheduled(w).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconcileFailedError);
    expect((error as ReconcileFailedError).summary.failures).toMatchObject([
      { userId: w.userId, step: 'sync', code: 'UPSTREAM' },
    ]);
    expect(
      lines(w)
        .filter((l) => l.level === 'warn')
        .map((l) => l.event),
    ).toEqual(expect.arrayContaining(['sync.failed', 'reconcile.completed', 'lambda.reconcile.failed']));
  });

  it('a clean pass still resolves with the report', async () => {
    const w = await world();
    w.withings.addWeighIn(w.userId, { takenAt: minutesAgo(30), weightKg: 79.9 });
    const result = (await scheduled(w)) as LambdaEventResult;
    expect(result).toMatchObject({ kind: 'reconcile', report: { ok: true, failures: [] } });
    expect(lines(w).find((l) => l.event === 'lambda.reconcile')).toMatchObject({
      level: 'info',
      accounts: 1,
    });
    expect(lines(w).some((l) => l.event === 'lambda.reconcile.failed')).toBe(false);
  });
});
