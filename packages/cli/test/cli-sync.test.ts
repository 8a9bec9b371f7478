import { startHttpServer } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { cliWorld, GARMIN_EMAIL, linkAccount, run } from './cli.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
const ago = (minutes: number) => new Date(Math.floor((Date.now() - minutes * 60_000) / 1000) * 1000);

describe('wg-sync sync and backfill', () => {
  it('sync --dry-run shows what would go, sync uploads it, --json prints the SyncReport', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    world.withings.addWeighIn(world.userId, {
      takenAt: ago(30),
      weightKg: 81.4,
      fatPercent: 21.2,
      layout: 'body-cardio',
      heartRate: 60,
    });
    world.withings.addWeighIn(world.userId, { takenAt: ago(20), weightKg: 64.1, attrib: 1 });
    const dry = await run(['sync', '--dry-run'], world.env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/\(dry run\): 1 synced, 1 skipped, 0 failed/);
    expect(dry.stdout).toMatch(/would sync .* 81\.4 kg {2}fatPercent/);
    expect(world.garmin.weighIns(GARMIN_EMAIL)).toEqual([]);
    const real = await run(['sync', '--json'], world.env);
    expect(real.code).toBe(0);
    const report = JSON.parse(real.stdout);
    expect(report).toMatchObject({
      userId: world.userId,
      synced: [{ weightKg: 81.4 }],
      skipped: [{ reason: 'ambiguous' }],
      failed: [],
    });
    expect(world.garmin.weighIns(GARMIN_EMAIL)).toHaveLength(1);
  });

  it('a state entry others can read is refused: the store exit code (5) and the chmod fix', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const { chmod } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const entry = join(world.env.WG_SYNC_CONFIG_DIR ?? '', 'state', `account+${world.userId}.json`);
    await chmod(entry, 0o644);
    const result = await run(['sync'], world.env);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`chmod 600 ${entry}`);
    expect(result.stderr).toMatch(/fix: make the entry named above yours and private/);
  });

  it('a sync with failures exits 1 and says why', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    world.withings.addWeighIn(world.userId, { takenAt: ago(5), weightKg: 70 });
    world.garmin.faults.add('phantom-upload');
    const result = await run(['sync'], world.env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED .* NOT_STORED/);
  });

  it('backfill imports history in batches with progress, then reports', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    for (let day = 1; day <= 5; day += 1) {
      world.withings.addWeighIn(world.userId, {
        takenAt: new Date(Date.now() - day * 86_400_000),
        weightKg: 70 + day,
        notify: false,
      });
    }
    const from = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const result = await run(['backfill', '--from', from, '--batch-size', '2'], world.env);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\[#+\.*\] 2\/5[\s\S]*4\/5[\s\S]*5\/5/);
    expect(result.stdout).toMatch(/5 synced/);
    expect(world.garmin.uploads()).toHaveLength(3);
  });

  it('backfill refuses a malformed date (exit 2)', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const result = await run(['backfill', '--from', '20.11.2026'], world.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/YYYY-MM-DD/);
  });
});

/** A linked account, and an endpoint on 127.0.0.1 that answers 200 (what Withings' HEAD check wants). */
async function linkedWithEndpoint() {
  const world = await cliWorld();
  await linkAccount(world);
  const endpoint = await startHttpServer(() => new Response(null, { status: 200 }));
  closers.push(() => endpoint.close());
  return { world, endpoint };
}

describe('wg-sync webhook', () => {
  it('subscribe runs Withings’ checks first and refuses a URL that would fail (exit 2)', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const result = await run(['webhook', 'subscribe', 'http://127.0.0.1:9/webhook/withings'], world.env);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/preflight: Withings only calls https URLs/);
    expect(result.stdout).toMatch(/preflight: port 9/);
    expect(result.stdout).toMatch(/preflight: HEAD failed from here/);
    expect(world.withings.subscriptions(world.userId)).toEqual([]);
  });

  it('--force subscribes anyway, list shows it, revoke removes it', async () => {
    const { world, endpoint } = await linkedWithEndpoint();
    const url = `${endpoint.url}/webhook/withings`;
    const subscribe = await run(['webhook', 'subscribe', url, '--force'], world.env);
    expect(subscribe.code).toBe(0);
    expect(subscribe.stdout).toMatch(/subscribed appli 1/);
    const again = await run(['webhook', 'subscribe', url, '--force'], world.env);
    expect(again.stdout).toMatch(/already subscribed/);
    const list = await run(['webhook', 'list', '--json'], world.env);
    expect(JSON.parse(list.stdout)).toEqual([
      { userId: world.userId, appli: 1, callbackUrl: `${url}/[redacted]`, comment: 'wg-sync' },
    ]);
    // The form list shows is the one people paste.
    const revoke = await run(['webhook', 'revoke', `${url}/[redacted]`], world.env);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/revoked appli 1/);
    expect(world.withings.subscriptions(world.userId)).toEqual([]);
  });

  it('subscribe adds the secret path to a base URL, refuses a wrong secret segment, never prints the secret', async () => {
    const { world, endpoint } = await linkedWithEndpoint();
    const subscribe = await run(['webhook', 'subscribe', `${endpoint.url}/`, '--force'], world.env);
    expect(subscribe.code, subscribe.stderr).toBe(0);
    expect(subscribe.stdout).toContain(`webhook URL: ${endpoint.url}/webhook/withings/[redacted]`);
    expect(world.withings.subscriptions(world.userId).map((s) => s.callbackUrl)).toEqual([
      `${endpoint.url}/webhook/withings/${world.webhookSecret}`,
    ]);
    // HEAD checked the path Withings will call, secret included.
    expect(endpoint.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      `HEAD /webhook/withings/${world.webhookSecret}`,
    );

    const oldSecret = 'old-secret-9c1f4e7a2b6d';
    const wrong = await run(
      ['webhook', 'subscribe', `${endpoint.url}/webhook/withings/${oldSecret}`, '--force'],
      world.env,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/secret segment that is not WG_SYNC_WEBHOOK_SECRET/);
    expect(world.withings.subscriptions(world.userId)).toHaveLength(1);
    for (const output of [subscribe.stdout, subscribe.stderr, wrong.stdout, wrong.stderr]) {
      expect(output).not.toContain(world.webhookSecret);
      expect(output).not.toContain(oldSecret);
    }
  });

  it('without a secret subscribe refuses; --allow-unauthenticated-webhook subscribes with a warning', async () => {
    const { world, endpoint } = await linkedWithEndpoint();
    const { WG_SYNC_WEBHOOK_SECRET: _secret, ...env } = world.env;
    const refused = await run(['webhook', 'subscribe', endpoint.url, '--force'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^wg-sync: webhook subscribe needs a webhook secret \(WG_SYNC_WEBHOOK_SECRET\): Withings signs nothing/m,
    );
    expect(refused.stderr).toMatch(/fix: .*openssl rand -hex 32.*--allow-unauthenticated-webhook/);
    expect(world.withings.subscriptions(world.userId)).toEqual([]);

    const allowed = await run(
      ['webhook', 'subscribe', endpoint.url, '--force', '--allow-unauthenticated-webhook'],
      env,
    );
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/^wg-sync: warning: the webhook has no secret path/m);
    expect(world.withings.subscriptions(world.userId).map((s) => s.callbackUrl)).toEqual([
      `${endpoint.url}/webhook/withings`,
    ]);
  });
});

describe('wg-sync doctor', () => {
  it('exit 0 when every check passes, 1 when one fails; --json is redacted', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    await run(['sync'], world.env);
    const healthy = await run(['doctor'], world.env);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/All checks passed/);
    world.garmin.revokeAccessTokens(GARMIN_EMAIL);
    world.garmin.faults.add('expired-token', 5);
    const broken = await run(['doctor', '--json'], world.env);
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout);
    expect(report.ok).toBe(false);
    for (const secret of [...world.garmin.secrets(), ...world.withings.secrets()])
      expect(broken.stdout).not.toContain(secret);
  });
});
