// The ack bench's Withings and Garmin, in a process of their own as they are in real life: the
// deployment's event loop must not also serve the upstream APIs (parsing FIT uploads is not its work).
// Sends the setup over IPC; takes { latencyMs }, { weighIns: round } (one new weigh-in for every user,
// without a notification: the bench sends those itself), 'uploads' (how many FIT uploads Garmin took)
// and 'close'.
import { startSimulators } from './world.mjs';

const { withings, garmin, setup } = await startSimulators({ users: Number(process.argv[2] ?? 20) });
process.send({ setup });
let lastTakenAt = 0;
process.on('message', async (message) => {
  if (message === 'close') {
    await Promise.all([withings.close(), garmin.close()]);
    process.exit(0);
  }
  if (message === 'uploads')
    process.send({
      uploads: garmin.requests.filter((r) => r.path.startsWith('/upload-service/upload')).length,
    });
  if (typeof message?.latencyMs === 'number') {
    withings.latencyMs = message.latencyMs;
    garmin.latencyMs = message.latencyMs;
    process.send({ latencyMs: message.latencyMs });
  }
  if (typeof message?.weighIns === 'number') {
    const round = message.weighIns;
    // Measured shortly before, as in life, and in a second of its own: groups of the same second are
    // one split weigh-in.
    lastTakenAt = Math.max(Date.now() - 30_000, lastTakenAt + 1000);
    for (const { userId } of setup.people) {
      // A kilo apart per round, so Garmin-side dedup (±120 s and ±0.1 kg) never rightly skips one.
      withings.addWeighIn(userId, {
        takenAt: new Date(lastTakenAt),
        weightKg: 60 + (round % 40),
        fatPercent: 20.5,
        notify: false,
      });
    }
    process.send({ weighIns: round });
  }
});
