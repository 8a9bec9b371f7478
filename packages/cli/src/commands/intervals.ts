import { IntervalsClient } from '@wg-sync/intervals';
import { defineCommand } from 'citty';
import { globalArgs, openContext, pickUser } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { ask, say } from '../terminal.js';

const link = defineCommand({
  meta: {
    name: 'link',
    description:
      'send the linked account’s weigh-ins to intervals.icu too (asks for its API key and athlete id)',
  },
  args: {
    ...globalArgs,
    user: { type: 'string', description: 'the Withings user id (default: the only account)' },
    athlete: {
      type: 'string',
      description:
        'the intervals.icu athlete id, i12345 (default $INTERVALS_ATHLETE_ID, else asked; 0: the key’s own)',
    },
  },
  async run({ args }) {
    const ctx = await openContext(args);
    const userId = await pickUser(ctx.sync, args.user);
    const apiKey =
      ctx.env.INTERVALS_API_KEY ??
      (await ask('intervals.icu API key (Settings → Developer Settings):', { secret: true }));
    const athleteId = (
      args.athlete ??
      ctx.env.INTERVALS_ATHLETE_ID ??
      (await ask('intervals.icu athlete id (i12345, or 0 for the key’s own):', { placeholder: '0' }))
    ).trim();
    const baseUrl = ctx.config.intervals?.baseUrl;
    // One real call before anything is stored: a wrong key or athlete is said now, not at the next weigh-in.
    const athlete = await new IntervalsClient({
      apiKey,
      athleteId: athleteId || '0',
      ...(baseUrl ? { baseUrl } : {}),
    }).getAthlete();
    await ctx.sync.accounts.setIntervals(userId, { apiKey, athleteId: athleteId || '0' });
    say(
      `intervals.icu athlete ${athlete.id} linked to Withings user ${userId}` +
        (athlete.timezone ? ` (days in ${athlete.timezone})` : ''),
    );
    say(
      'the next sync writes the weigh-ins of the last days there; older ones: wg-sync backfill --from <date>',
    );
  },
});

const unlink = defineCommand({
  meta: { name: 'unlink', description: 'stop sending weigh-ins to intervals.icu and forget its API key' },
  args: {
    ...globalArgs,
    user: { type: 'string', description: 'the Withings user id (default: the only account)' },
  },
  async run({ args }) {
    const ctx = await openContext(args, {}, { withingsOptional: true });
    const userId = await pickUser(ctx.sync, args.user);
    const account = await ctx.sync.accounts.removeIntervals(userId).catch((error: unknown) => {
      if ((error as { code?: unknown })?.code !== 'ACCOUNT_NOT_FOUND') throw error;
      throw new CliError(`no linked account for Withings user ${userId}`, {
        exitCode: EXIT.USAGE,
        fix: 'wg-sync intervals unlink --user <userId>, with an id that wg-sync accounts list shows',
        cause: error,
      });
    });
    say(`intervals.icu unlinked from Withings user ${account.userId} (what was written there stays)`);
  },
});

/** `wg-sync intervals link|unlink`. */
export const intervals = defineCommand({
  meta: { name: 'intervals', description: 'send weigh-ins to intervals.icu too' },
  subCommands: { link, unlink },
});
