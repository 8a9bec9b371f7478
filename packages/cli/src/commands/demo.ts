import { defineCommand } from 'citty';
import type { DemoResult, RunningDemo } from '../demo/run-demo.js';
import { EXIT } from '../errors.js';
import { printJson, say } from '../terminal.js';

/** How long `--serve` waits for everything to close after Ctrl-C before it exits anyway. */
const CLOSE_TIMEOUT_MS = 5_000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export const demo = defineCommand({
  meta: {
    name: 'demo',
    description:
      'the whole job offline, in seconds: simulated Withings, Garmin and intervals.icu, wg-sync serve, webhook → fetch → dedup → FIT → upload → read-back; ends by itself unless --serve',
  },
  args: {
    json: {
      type: 'boolean',
      description:
        'print { reports: SyncReport[], garmin: GarminWeighIn[], intervals: IntervalsWellness[] } instead of the story (with --serve it then stays up, the page URL and token on stderr)',
      default: false,
    },
    serve: {
      type: 'boolean',
      description:
        'after the story, keep the simulators and wg-sync serve up, print the status page URL and the demo-only API token to sign in with, and wait for Ctrl-C',
      default: false,
    },
  },
  async run({ args }) {
    const { runDemo, startDemo } = await import('../demo/run-demo.js');
    const tell = args.json ? () => undefined : say;
    const running = args.serve ? await startDemo(tell) : undefined;
    const result = running ? running.result : await runDemo(tell);
    if (args.json) printJson(result);
    const failed = storyFailed(result);
    if (running) {
      // With --json, stdout stays the JSON alone: the page's lines go to stderr.
      await serveUntilSignal(running, args.json ? (line) => process.stderr.write(`${line}\n`) : say);
    }
    process.exitCode = failed ? EXIT.FAILED : EXIT.OK;
  },
});

/**
 * The story promises three weigh-ins in Garmin (one held, then assigned), their day(s) in
 * intervals.icu and no failure; anything else is a bug worth a non-zero exit.
 */
function storyFailed(result: DemoResult): boolean {
  return (
    result.reports.some((r) => r.failed.length > 0) ||
    result.garmin.length !== 3 ||
    result.intervals.length === 0
  );
}

/** `--serve`: the page's URL and token, then up until SIGINT or SIGTERM, then everything closed. */
async function serveUntilSignal(running: RunningDemo, tell: (line: string) => void): Promise<void> {
  // Listening before saying "Press Ctrl-C", which is what a script waits for. One listener per
  // signal, never removed (a signal listener keeps no process alive): the signal
  // after the first (a second Ctrl-C, or a wrapper such as `pnpm demo` passing on the one the
  // terminal sent the whole group) must not kill the process halfway through closing, nor once it
  // has closed and is exiting. Swapping a `once` listener for an ignoring one left a moment with
  // none, in which such a SIGINT had its default effect: killed, silently.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const name of SIGNALS) process.on(name, resolve);
  });
  tell('');
  tell('Still running (--serve): the simulators and wg-sync serve stay up. Open the status page:');
  tell('');
  tell(`  Status page   ${running.pageUrl}`);
  tell(`  API token     ${running.apiToken}`);
  tell('');
  tell('The token is demo-only: random for this run, and gone with it. Paste it into the sign-in form.');
  tell('The session cookie is Secure, which browsers such as Chromium keep on http://127.0.0.1.');
  tell('Press Ctrl-C to stop.');
  const signal = await signalled;
  tell('');
  tell(`${signal}: closing wg-sync serve and the simulators.`);
  const timer = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS).unref(),
  );
  const closed = await Promise.race([running.close().then(() => 'closed' as const), timer]);
  if (closed === 'closed') tell('Stopped.');
  else {
    tell(`Not everything closed within ${CLOSE_TIMEOUT_MS / 1000} s; stopping anyway.`);
    // Whatever still holds the event loop must not keep the process up after it said so.
    setTimeout(() => process.exit(), 500).unref();
  }
}
