import { defineCommand } from 'citty';
import { EXIT } from '../errors.js';
import { printJson, say } from '../terminal.js';

export const demo = defineCommand({
  meta: {
    name: 'demo',
    description:
      'the whole job offline, in seconds: simulated Withings, Garmin and intervals.icu, wg-sync serve, webhook → fetch → dedup → FIT → upload → read-back',
  },
  args: {
    json: {
      type: 'boolean',
      description:
        'print { reports: SyncReport[], garmin: GarminWeighIn[], intervals: IntervalsWellness[] } instead of the story',
      default: false,
    },
  },
  async run({ args }) {
    const { runDemo } = await import('../demo/run-demo.js');
    const result = await runDemo(args.json ? () => undefined : say);
    if (args.json) printJson(result);
    // The story promises three weigh-ins in Garmin (one held, then assigned), their day(s) in
    // intervals.icu and no failure;
    // anything else is a bug worth a non-zero exit.
    const failed =
      result.reports.some((r) => r.failed.length > 0) ||
      result.garmin.length !== 3 ||
      result.intervals.length === 0;
    process.exitCode = failed ? EXIT.FAILED : EXIT.OK;
  },
});
