// The deployment side of the ack bench, in its own process (the load generator must not share the
// server's event loop, as Withings does not): the engine and its Express server, as `wg-sync serve`
// runs them, linked to the simulators of ack-sims.mjs. Takes { setup } over IPC, answers
// { callbackUrl, userIds }; answers 'drain' once no sync runs; on 'close' waits for its syncs and exits.
// Started with --expose-gc (the memory bench), it also answers 'sample' with its memory after a full GC.
import { setImmediate } from 'node:timers/promises';
import { startDeployment } from './world.mjs';

process.once('message', async ({ setup }) => {
  const deployment = await startDeployment({ setup, config: { readBack: { attempts: 1, delayMs: 0 } } });
  process.send({ callbackUrl: deployment.callbackUrl, userIds: deployment.people.map((p) => p.userId) });
  process.on('message', async (message) => {
    if (message === 'drain') {
      await deployment.drain();
      process.send('drained');
    }
    if (message === 'sample') process.send(await sample());
    if (message !== 'close') return;
    await deployment.close();
    process.exit(0);
  });
});

/** Memory after full collections: what the process retains, not what it has not collected yet. */
async function sample() {
  if (typeof global.gc !== 'function') return { error: 'started without --expose-gc' };
  // A second collection after a turn of the loop also frees what the first one's finalizers released.
  global.gc();
  await setImmediate();
  global.gc();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}
