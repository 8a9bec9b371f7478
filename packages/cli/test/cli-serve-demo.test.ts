import { connect } from 'node:net';
import type { SyncReport } from '@wg-sync/core';
import { describe, expect, it } from 'vitest';
import { cliWorld, GARMIN_EMAIL, linkAccount, run, start } from './cli.js';

describe('wg-sync serve', () => {
  it('serves the webhook: a weigh-in reaches Garmin, then SIGTERM lets the sync finish and exits 0', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const server = start(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--reconcile-hours', '0'],
      world.env,
    );
    const [, url] = await server.waitFor(/"event":"serve.listening","url":"([^"]+)"/);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    // The base URL: subscribe adds /webhook/withings/<secret>, the path serve accepts.
    const subscribe = await run(['webhook', 'subscribe', url ?? '', '--force'], world.env);
    expect(subscribe.code, subscribe.stderr).toBe(0);
    expect(world.withings.subscriptions(world.userId).map((s) => s.callbackUrl)).toEqual([
      `${url}/webhook/withings/${world.webhookSecret}`,
    ]);
    world.withings.addWeighIn(world.userId, { takenAt: new Date(Date.now() - 60_000), weightKg: 77.7 });
    await world.withings.settled();
    const delivered = world.withings.deliveries.at(-1);
    expect(delivered?.delivered).toBe(true);
    expect(delivered?.attempts.at(-1)?.status).toBe(200);
    await server.waitFor(/"event":"sync.completed"/);
    expect(world.garmin.weighIns(GARMIN_EMAIL).map((w) => w.weight)).toEqual([77_700]);

    server.child.kill('SIGTERM');
    const done = await server.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/"event":"serve.stopped"/);
    for (const secret of [...world.garmin.secrets(), ...world.withings.secrets(), world.webhookSecret]) {
      expect(done.stdout).not.toContain(secret);
      expect(done.stderr).not.toContain(secret);
    }
  });

  it('--reconcile-hours: every account reconciled shortly after start, then at its slot; a shorter interval than 15 min is refused', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    // A weigh-in Withings never notified (the server was down): the first pass syncs it.
    world.withings.addWeighIn(world.userId, { takenAt: new Date(Date.now() - 120_000), weightKg: 69.4 });
    const server = start(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--reconcile-hours', '0.25'],
      world.env,
    );
    await server.waitFor(/"event":"serve.listening"/);
    await server.waitFor(/"event":"reconcile.completed"/);
    expect(world.garmin.weighIns(GARMIN_EMAIL).map((w) => w.weight)).toEqual([69_400]);
    server.child.kill('SIGTERM');
    const done = await server.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/"event":"serve.stopped"/);

    const refused = await run(['serve', '--port', '0', '--reconcile-hours', '0.1'], world.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--reconcile-hours must be 0 (off) or 0.25–168');
  }, 30_000);

  it('never prints the webhook secret: not in its listening line, not in webhook list', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const secret = 'hook-secret-5f1c9a0b7d3e';
    const env = {
      ...world.env,
      WG_SYNC_WEBHOOK_SECRET: secret,
      WG_SYNC_PUBLIC_URL: 'https://sync.example.org',
    };
    const server = start(['serve', '--port', '0', '--host', '127.0.0.1', '--reconcile-hours', '0'], env);
    const [line, url] = await server.waitFor(/\{"event":"serve.listening","url":"([^"]+)".*\}/);
    expect(JSON.parse(line).webhook).toBe('https://sync.example.org/webhook/withings/[redacted]');
    const subscribe = await run(
      ['webhook', 'subscribe', `${url}/webhook/withings/${secret}`, '--force'],
      env,
    );
    expect(subscribe.code, subscribe.stderr).toBe(0);
    expect(world.withings.subscriptions(world.userId).map((s) => s.callbackUrl)).toEqual([
      `${url}/webhook/withings/${secret}`,
    ]);
    const list = await run(['webhook', 'list'], env);
    const listJson = await run(['webhook', 'list', '--json'], env);
    expect(list.stdout).toContain(`${url}/webhook/withings/[redacted]`);
    expect(JSON.parse(listJson.stdout)[0].callbackUrl).toBe(`${url}/webhook/withings/[redacted]`);
    server.child.kill('SIGTERM');
    const done = await server.done;
    for (const output of [
      done.stdout,
      done.stderr,
      subscribe.stdout,
      subscribe.stderr,
      list.stdout,
      listJson.stdout,
    ])
      expect(output).not.toContain(secret);
  });

  it('refuses to start without a webhook secret, saying why and how to set one (exit 2)', async () => {
    const world = await cliWorld();
    const { WG_SYNC_WEBHOOK_SECRET: _secret, ...env } = world.env;
    // With a public URL too: the CLI's reason and fix, not only core's configuration error.
    for (const variant of [env, { ...env, WG_SYNC_PUBLIC_URL: 'https://sync.example.org' }]) {
      const serving = start(
        ['serve', '--port', '0', '--host', '127.0.0.1', '--reconcile-hours', '0'],
        variant,
      );
      // Bounded: a serve that does not refuse would run until killed.
      const result = await Promise.race([
        serving.done,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`serve did not refuse: ${serving.stdout()}`)), 15_000).unref(),
        ),
      ]);
      expect(result.code).toBe(2);
      expect(result.stdout).not.toMatch(/serve\.listening/);
      expect(result.stderr).toMatch(
        /^wg-sync: serve needs a webhook secret \(WG_SYNC_WEBHOOK_SECRET\): Withings signs nothing, so the secret path \/webhook\/withings\/<secret> is what keeps strangers from triggering syncs$/m,
      );
      expect(result.stderr).toMatch(
        /^ {2}fix: echo "WG_SYNC_WEBHOOK_SECRET=\$\(openssl rand -hex 32\)" >> .*config\.env, \(re\)start wg-sync serve, then run: wg-sync webhook subscribe \(or pass --allow-unauthenticated-webhook, not recommended\)$/m,
      );
    }
  });

  it('--allow-unauthenticated-webhook (or the variable) starts it, with one warning line at every start', async () => {
    const world = await cliWorld();
    const { WG_SYNC_WEBHOOK_SECRET: _secret, ...env } = world.env;
    const args = ['serve', '--port', '0', '--host', '127.0.0.1', '--reconcile-hours', '0'];
    for (const [flags, variant] of [
      [['--allow-unauthenticated-webhook'], env],
      [[], { ...env, WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'true' }],
    ] as const) {
      const server = start([...args, ...flags], variant);
      const [, url] = await server.waitFor(/"event":"serve.listening","url":"([^"]+)"/);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      server.child.kill('SIGTERM');
      const done = await server.done;
      expect(done.code).toBe(0);
      const warnings = done.stderr.split('\n').filter((l) => l.startsWith('wg-sync: warning: the webhook'));
      expect(warnings).toEqual([
        expect.stringMatching(
          /^wg-sync: warning: the webhook has no secret path, so anyone who finds its URL can trigger syncs; fix: echo "WG_SYNC_WEBHOOK_SECRET=\$\(openssl rand -hex 32\)" >> .*config\.env, \(re\)start wg-sync serve, then run: wg-sync webhook subscribe$/,
        ),
      ]);
    }
  });

  it('--max-connections: connections beyond it are closed as they arrive', async () => {
    const world = await cliWorld();
    const server = start(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--reconcile-hours', '0', '--max-connections', '2'],
      world.env,
    );
    const [, url] = await server.waitFor(/"event":"serve.listening","url":"([^"]+)"/);
    const port = Number(new URL(url ?? '').port);
    const sockets = await Promise.all(
      [0, 1, 2].map(async (i) => {
        // One at a time, so the server counts the first two before the third arrives.
        await new Promise((resolve) => setTimeout(resolve, i * 150));
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
        return { socket, closed };
      }),
    );
    const state = (s: { closed: Promise<'closed'> }) =>
      Promise.race([s.closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 1_000))]);
    expect(await Promise.all(sockets.map(state))).toEqual(['open', 'open', 'closed']);
    for (const { socket } of sockets) socket.destroy();
    server.child.kill('SIGTERM');
    expect((await server.done).code).toBe(0);
  });

  it('a port in use is a usage error with the fix (exit 2)', async () => {
    const world = await cliWorld();
    const first = start(['serve', '--port', '0', '--host', '127.0.0.1', '--reconcile-hours', '0'], world.env);
    const [, url] = await first.waitFor(/"event":"serve.listening","url":"([^"]+)"/);
    const port = new URL(url ?? '').port;
    const second = await run(['serve', '--port', port, '--host', '127.0.0.1'], world.env);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)\n {2}fix: pass --port/);
    first.child.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
  });
});

describe('wg-sync demo', () => {
  it('--json: four webhook syncs and an assign, three weigh-ins in Garmin (one held, then assigned), nothing failed', async () => {
    const { env } = await cliWorld();
    const demo = await run(['demo', '--json'], env);
    expect(demo.code, demo.stderr).toBe(0);
    const { reports, garmin, intervals } = JSON.parse(demo.stdout) as {
      reports: SyncReport[];
      garmin: Array<Record<string, unknown>>;
      intervals: Array<Record<string, unknown>>;
    };
    expect(reports.map((r) => r.trigger)).toEqual(['webhook', 'webhook', 'webhook', 'webhook', 'assign']);
    expect(reports.flatMap((r) => r.failed)).toEqual([]);
    // Each real weigh-in lands in both destinations, in the same sync.
    expect(reports.map((r) => r.synced.map((s) => s.destination).sort())).toEqual([
      ['garmin', 'intervals'],
      ['garmin', 'intervals'],
      [],
      [],
      // The assigned one: Garmin; intervals.icu keeps the day's later weigh-in (superseded).
      expect.arrayContaining(['garmin']),
    ]);
    // The Body Cardio weigh-in arrives as three Withings groups and leaves as one Garmin entry.
    expect(reports[1]?.synced.find((s) => s.destination === 'garmin')?.groupIds).toHaveLength(3);
    expect(reports[2]?.skipped.map((s) => s.reason)).toContain('ambiguous');
    // Held, not dropped, then assigned with its own instant.
    const heldId = reports[2]?.held?.held[0];
    expect(reports[2]?.skipped.find((s) => s.reason === 'ambiguous')?.heldId).toBe(heldId);
    expect(reports[4]?.held?.assigned).toEqual([heldId]);
    expect(
      reports[3]?.skipped.filter((s) => s.reason === 'duplicate-ledger').map((s) => s.destination),
    ).toEqual(expect.arrayContaining(['garmin', 'garmin', 'intervals', 'intervals']));
    // One wellness record a day, holding the day's latest weigh-in (two days only just after midnight).
    expect(intervals.at(-1)).toMatchObject({ weight: 81.12, bodyFat: 21.1 });
    expect(intervals.length).toBeLessThanOrEqual(2);
    expect(garmin).toHaveLength(3);
    expect(garmin[1]).toMatchObject({ weightKg: 81.3, fatPercent: 21.3 });
    expect(garmin[2]).toMatchObject({
      weightKg: 81.12,
      fatPercent: 21.1,
      muscleMassKg: 60.9,
      boneMassKg: 3.21,
      hydrationPercent: expect.closeTo(55.23, 2),
    });
  });

  it('tells the story step by step, one weigh-in landing in Garmin and intervals.icu, ending with what both hold', async () => {
    const { env } = await cliWorld();
    const demo = await run(['demo'], env);
    expect(demo.code, demo.stderr).toBe(0);
    for (const step of [
      /Withings: consent page → "Allow" → code captured/,
      /Garmin: signed in as demo@example\.com/,
      /Webhook: Withings checked http:\/\/127\.0\.0\.1:\d+\/webhook\/withings\/<secret> with HEAD \(200\)\n {3}and subscribed it/,
      /POST \/webhook\/withings\/<secret> → 200 in \d+ ms/,
      /upload weight\.fit \(\d+ bytes, 1 weigh-in\(s\) stored\) → 202/,
      /weight range read .* — read-back/,
      /ambiguous: Withings could not tell whose weigh-in it is/,
      /held, not dropped: \d+-\d+, with its own time and every field/,
      /\d+-\d+ assigned: written with the weigh-in's own time, and no longer held/,
      /intervals\.icu: API key checked with GET \/api\/v1\/athlete\/i\d+ \(200, days in Europe\/Berlin\)/,
      /wg-sync → intervals\.icu {2}PUT wellness \d{4}-\d{2}-\d{2} \(weight, bodyFat\) → 200/,
      /intervals\.icu: \d{4}-\d{2}-\d{2} weight 81\.12 kg, body fat 21\.1 %/,
      /What Garmin Connect now holds:/,
      /What intervals\.icu now holds .*:\n {2}\d{4}-\d{2}-\d{2} {2}weight 81\.12 kg, body fat 21\.1 %/,
    ])
      expect(demo.stdout).toMatch(step);
    // The first weigh-in lands in both, in one story step: Garmin read it back, intervals.icu holds the day.
    const first = demo.stdout.slice(
      demo.stdout.indexOf('5. A weigh-in'),
      demo.stdout.indexOf('6. A weigh-in'),
    );
    expect(first).toMatch(/synced {6}81\.37 kg .*read back from Garmin \(samplePk \d+\)/);
    expect(first).toMatch(
      /synced {6}81\.37 kg .*written to intervals\.icu as the record of \d{4}-\d{2}-\d{2}/,
    );
    expect(first).toMatch(/intervals\.icu: \d{4}-\d{2}-\d{2} weight 81\.37 kg, body fat 21\.4 %/);
    // The secret (64 hex digits, like openssl rand -hex 32) is never printed, nor the intervals.icu key.
    expect(demo.stdout + demo.stderr).not.toMatch(/[0-9a-f]{64}|Basic |API_KEY/);
    // Without --serve it ends by itself (run() awaited its exit), offering no page to open.
    expect(demo.stdout).not.toMatch(/Status page|API token|Ctrl-C/);
  });

  it('--serve: stays up with the status page (sign in with the printed token, the demo account), SIGINT closes every port, exit 0', {
    timeout: 60_000,
  }, async () => {
    const { env } = await cliWorld();
    const demo = start(['demo', '--serve'], env);
    const [, pageUrl = '', token = ''] = await demo.waitFor(
      /Status page {3}(http:\/\/127\.0\.0\.1:\d+\/)\n {2}API token {5}(\S+)\n/,
      30_000,
    );
    await demo.waitFor(/demo-only[\s\S]*Press Ctrl-C to stop\./);
    const [, userId] = (demo.stdout().match(/tokens \(.*\) for user (\d+)\./) ?? []) as string[];
    expect(userId).toMatch(/^\d+$/);
    const ports = [
      ...demo.stdout().matchAll(/(?:simulator|wg-sync serve) +http:\/\/127\.0\.0\.1:(\d+)/g),
    ].map((m) => Number(m[1]));
    expect(ports).toHaveLength(4);
    expect(ports).toContain(Number(new URL(pageUrl).port));
    // Stays up after the story.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(demo.child.exitCode).toBeNull();

    // The sign-in page, no data.
    const signInPage = await fetch(pageUrl);
    expect(signInPage.status).toBe(200);
    const signInHtml = await signInPage.text();
    expect(signInHtml).toMatch(/<input type="hidden" name="action" value="sign-in">/);
    expect(signInHtml).toMatch(/<input id="token" name="token" type="password"/);
    expect(signInHtml).not.toContain(userId);
    // Sign in as the page's form does: a wrong token is refused, the printed one sets the session.
    const signIn = (value: string) =>
      fetch(pageUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ action: 'sign-in', token: value }).toString(),
      });
    expect((await signIn(`${token}x`)).status).toBe(401);
    const signedIn = await signIn(token);
    expect(signedIn.status).toBe(303);
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^wg_sync_session=v1\./);
    const page = await fetch(new URL(signedIn.headers.get('location') ?? './', pageUrl), {
      headers: { cookie },
    });
    expect(page.status).toBe(200);
    const html = await page.text();
    // The demo account after the story: healthy, three weigh-ins in Garmin, the held one assigned.
    expect(html).toContain(`Withings user ${userId}`);
    expect(html).toMatch(/Health: <strong>OK</);
    expect(html).toContain('held weigh-in assigned');
    expect(html).toMatch(/<th[^>]*>Garmin<\/th><td>3<\/td>/);
    expect(html).not.toContain(token);

    const stopping = Date.now();
    demo.child.kill('SIGINT');
    const done = await demo.done;
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/SIGINT: closing wg-sync serve and the simulators\.\nStopped\.\n$/);
    expect(await Promise.all(ports.map(refused))).toEqual(ports.map(() => true));
  });

  it('--serve --json: the JSON alone on stdout, the page on stderr, then up until SIGTERM (exit 0)', {
    timeout: 60_000,
  }, async () => {
    const { env } = await cliWorld();
    const demo = start(['demo', '--serve', '--json'], env);
    const [, pageUrl = ''] = await demo.waitFor(/Status page {3}(http:\/\/\S+)\n[\s\S]*Ctrl-C/, 30_000);
    expect(demo.stderr()).toMatch(/API token {5}\S+/);
    const { reports, garmin } = JSON.parse(demo.stdout()) as { reports: unknown[]; garmin: unknown[] };
    expect(reports).toHaveLength(5);
    expect(garmin).toHaveLength(3);
    expect((await fetch(pageUrl)).status).toBe(200);
    demo.child.kill('SIGTERM');
    const done = await demo.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/SIGTERM: closing .*\nStopped\.\n$/);
    expect(await refused(Number(new URL(pageUrl).port))).toBe(true);
  });
});

/** Whether nothing listens on the loopback port any more. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
