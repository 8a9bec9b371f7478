// The deployment side of the ack bench, in its own process (the load generator must not share the
// server's event loop, as Withings does not): both simulators with 1 s per upstream call, the engine
// and its Express server. Sends `{ callbackUrl, userIds }` over IPC, closes on 'close'.
import { startWorld } from './world.mjs';

const users = Number(process.argv[2] ?? 20);
const world = await startWorld({ users, config: { readBack: { attempts: 1, delayMs: 0 } } });
world.withings.latencyMs = Number(process.argv[3] ?? 1000);
world.garmin.latencyMs = world.withings.latencyMs;
process.send({ callbackUrl: world.callbackUrl, userIds: world.people.map((p) => p.userId) });
process.on('message', async (message) => {
  if (message !== 'close') return;
  // The syncs the notifications started finish before the simulators go away.
  world.withings.latencyMs = 0;
  world.garmin.latencyMs = 0;
  await world.close();
  process.exit(0);
});
