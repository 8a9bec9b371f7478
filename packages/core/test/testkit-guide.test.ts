// sync.test.ts: your app's sync, end to end, against both simulators (vitest).
import { createSync, memoryStore, silentLogger } from '@wg-sync/core';
import { garminLogin } from '@wg-sync/garmin';
import { startGarminSim, startWithingsSim } from '@wg-sync/testkit';
import { withingsOAuth } from '@wg-sync/withings';
import { expect, it, onTestFinished } from 'vitest';

it('a weigh-in on the scale ends up in Garmin Connect', async () => {
  // 1. Both simulators on 127.0.0.1, one person on each side.
  const withings = await startWithingsSim();
  const garmin = await startGarminSim({
    accounts: [{ email: 'ana@example.com', password: 'pw-ana', mfa: true, timeZone: 'Europe/Berlin' }],
  });
  onTestFinished(() => withings.close());
  onTestFinished(() => garmin.close());
  const userId = withings.addUser({ timeZone: 'Europe/Berlin' });

  // 2. The engine, pointed at them: no log output, and a read-back that polls every 5 ms instead of
  //    waiting 1.5 s (the simulator stores an upload at once).
  const sync = createSync({
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls },
    store: memoryStore(),
    logger: silentLogger,
    readBack: { attempts: 3, delayMs: 5 },
  });

  // 3. Link the account the way your app does. Withings: the code the consent page's "Allow" gives
  //    (sim.issueCode), exchanged like a real one. The simulator takes a loopback redirect URI;
  //    Withings itself wants a domain name.
  const redirectUri = 'http://127.0.0.1/withings/callback';
  const code = withings.issueCode(userId, { redirectUri });
  const withingsTokens = await withingsOAuth.exchangeCode({
    clientId: withings.clientId,
    clientSecret: withings.clientSecret,
    code,
    redirectUri,
    baseUrl: withings.url,
  });
  // Garmin: the real sign-in against the simulator, MFA code included (it "e-mails" the code).
  const garminTokens = await garminLogin({
    email: 'ana@example.com',
    password: 'pw-ana',
    urls: garmin.urls,
    mfa: async () => garmin.lastMfaCode('ana@example.com') ?? '',
  });
  await sync.accounts.link({ withings: withingsTokens, garmin: garminTokens });

  // 4. Someone steps on the scale; your app syncs.
  withings.addWeighIn(userId, {
    takenAt: new Date(Date.now() - 10 * 60_000),
    weightKg: 81.4,
    fatPercent: 21.2,
  });
  const report = await sync.syncRecent({ days: 7 });

  // 5. What Garmin holds: grams and percent, as Garmin Connect stores them.
  expect(report.failed).toEqual([]);
  expect(report.synced).toHaveLength(1);
  expect(garmin.weighIns('ana@example.com')).toMatchObject([{ weight: 81_400, bodyFat: 21.2 }]);

  // A second sync uploads nothing again.
  expect((await sync.syncRecent({ days: 7 })).synced).toEqual([]);
  expect(garmin.weighIns('ana@example.com')).toHaveLength(1);
});
