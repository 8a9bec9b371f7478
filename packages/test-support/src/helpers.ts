/** The content type of a Withings notification. */
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Something that tells the time: a `SimClock`, or real time when none is given. */
type Clock = { now(): Date };
const REAL_TIME: Clock = { now: () => new Date() };

/** The instant `minutes` before now on `clock` (default: real time). */
export const minutesAgo = (minutes: number, clock: Clock = REAL_TIME) =>
  new Date(clock.now().getTime() - minutes * 60_000);

/** A Withings notification body for `userId`, covering the last five minutes of `clock` (default: real time). */
export function notification(userId: string, appli = 1, clock: Clock = REAL_TIME): string {
  const now = Math.floor(clock.now().getTime() / 1000);
  return new URLSearchParams({
    userid: userId,
    appli: String(appli),
    startdate: String(now - 300),
    enddate: String(now),
  }).toString();
}

/**
 * Polls until `check` holds (it may ask a server: a promise is awaited), failing after `ms` of real
 * time (it waits on real work, not on a clock).
 */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
