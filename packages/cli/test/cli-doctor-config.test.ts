import { describe, expect, it } from 'vitest';
import { cliWorld, linkAccount, run } from './cli.js';

describe('wg-sync doctor without the Withings credentials', () => {
  it('runs the checks it can (state, Garmin session) and reports the missing ones as failed; nothing goes to Withings', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const { WITHINGS_CLIENT_ID: _id, WITHINGS_CLIENT_SECRET: _secret, ...env } = world.env;
    const before = world.withings.requests.length;
    const result = await run(['doctor', '--json'], env);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({
      name: 'configuration',
      status: 'fail',
      detail: 'WITHINGS_CLIENT_ID and WITHINGS_CLIENT_SECRET are not set',
    });
    expect(report.checks).toContainEqual(expect.objectContaining({ name: 'state store', status: 'ok' }));
    const checks = report.accounts[0].checks;
    expect(checks).toContainEqual(expect.objectContaining({ name: 'state', status: 'ok' }));
    expect(checks).toContainEqual(expect.objectContaining({ name: 'Garmin session', status: 'ok' }));
    expect(checks).toContainEqual(
      expect.objectContaining({
        name: 'Withings token',
        status: 'fail',
        detail: expect.stringMatching(/^not checked/),
      }),
    );
    expect(world.withings.requests.length).toBe(before);
  });

  it('prints the human report too, exit 1 (not a configuration refusal, exit 2)', async () => {
    const { env } = await cliWorld();
    const { WITHINGS_CLIENT_SECRET: _secret, ...rest } = env;
    const result = await run(['doctor'], rest);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL {2}configuration: WITHINGS_CLIENT_SECRET is not set/);
    expect(result.stdout).toMatch(/Some checks failed/);
  });
});
