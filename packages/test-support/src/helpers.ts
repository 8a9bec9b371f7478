/** The content type of a Withings notification. */
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** A Withings notification body for `userId`, covering the last five minutes. */
export function notification(userId: string, appli = 1): string {
  const now = Math.floor(Date.now() / 1000);
  return new URLSearchParams({
    userid: userId,
    appli: String(appli),
    startdate: String(now - 300),
    enddate: String(now),
  }).toString();
}

/** Polls until `check` holds, failing after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
