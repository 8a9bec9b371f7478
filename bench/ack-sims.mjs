// The ack bench's Withings and Garmin, in a process of their own as they are in real life: the
// deployment's event loop must not also serve the upstream APIs (parsing FIT uploads is not its work).
// Sends the setup over IPC; takes { latencyMs } and 'close'.
import { startSimulators } from './world.mjs';

const { withings, garmin, setup } = await startSimulators({ users: Number(process.argv[2] ?? 20) });
process.send({ setup });
process.on('message', async (message) => {
  if (message === 'close') {
    await Promise.all([withings.close(), garmin.close()]);
    process.exit(0);
  }
  if (typeof message?.latencyMs === 'number') {
    withings.latencyMs = message.latencyMs;
    garmin.latencyMs = message.latencyMs;
    process.send({ latencyMs: message.latencyMs });
  }
});
