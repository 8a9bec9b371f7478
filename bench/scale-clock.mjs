// Simulated time for the scale bench: Date and the timers (setTimeout, setInterval) of this whole
// process are @sinonjs/fake-timers', so the engine's clock, its budget's waits, the queue's delays,
// the simulators' clocks and the injected upstream latency all run on one virtual clock. The clock
// jumps to the next timer only when nothing else can happen first: no HTTP request on loopback is in
// flight (`io` counts them) and the event loop went round twice with nothing to do. CPU work takes no
// virtual time: virtual durations are the waiting (latency, delays, budget) a deployment would see;
// CPU is measured apart, in real time.
import FakeTimers from '@sinonjs/fake-timers';

const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'];

/** Installs the virtual clock at `start` (ms since the epoch); `stop()` puts the real one back. */
export function virtualTime(start) {
  const immediate = () => new Promise((resolve) => setImmediate(resolve));
  const clock = FakeTimers.withGlobal(globalThis).install({ now: start, toFake: FAKED });
  let inFlight = 0;
  let settled;
  let running = true;
  let jumps = 0;
  const loop = (async () => {
    let idle = 0;
    while (running) {
      if (inFlight > 0) await new Promise((resolve) => (settled = resolve));
      await immediate();
      if (inFlight > 0 || ++idle < 2) continue;
      idle = 0;
      if (clock.countTimers() === 0) continue;
      clock.next();
      jumps += 1;
    }
  })();
  return {
    /** Runs one real I/O operation; the clock stands still until it ends. */
    async io(operation) {
      inFlight += 1;
      try {
        return await operation();
      } finally {
        inFlight -= 1;
        if (inFlight === 0) settled?.();
      }
    },
    /** Waits `ms` of virtual time. */
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    get jumps() {
      return jumps;
    },
    async stop() {
      running = false;
      settled?.();
      await loop;
      clock.uninstall();
    },
  };
}
