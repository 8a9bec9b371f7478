import { afterEach, describe, expect, it } from 'vitest';
import { createClock, startWithingsSim, type WithingsSim } from '../src/index.js';

let sim: WithingsSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function getmeas(s: WithingsSim, accessToken: string) {
  const response = await fetch(`${s.url}/measure`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${accessToken}` },
    body: new URLSearchParams({ action: 'getmeas', meastypes: '1' }),
  });
  return response.json() as Promise<{ status: number; body: { wait_seconds?: number }; error?: string }>;
}

describe('the Withings simulator: the limit per application', () => {
  it('answers 601 with wait_seconds past perMinute calls in 60 s of its clock, every user together, until the oldest leaves', async () => {
    const clock = createClock(new Date('2031-05-01T08:00:00Z'));
    sim = await startWithingsSim({ clock, appRateLimit: { perMinute: 3 } });
    const [a, b] = [sim.addUser(), sim.addUser()];
    const ta = sim.issueTokens(a).accessToken;
    const tb = sim.issueTokens(b).accessToken;
    expect((await getmeas(sim, ta)).status).toBe(0);
    clock.advance(20_000);
    expect((await getmeas(sim, tb)).status).toBe(0);
    expect((await getmeas(sim, ta)).status).toBe(0);
    const refused = await getmeas(sim, tb);
    expect(refused).toEqual({ status: 601, body: { wait_seconds: 40 }, error: 'Too Many Requests' });
    expect(sim.rateStats).toEqual({ refused: 1, peakPerMinute: 3 });
    clock.advance(39_000);
    expect((await getmeas(sim, ta)).status).toBe(601);
    clock.advance(1_000); // the first call leaves the minute
    expect((await getmeas(sim, ta)).status).toBe(0);
    expect((await getmeas(sim, tb)).status).toBe(601);
    expect(sim.rateStats).toEqual({ refused: 3, peakPerMinute: 3 });
  });

  it('answers the waitSeconds it was given, and without a limit only counts the busiest minute', async () => {
    const clock = createClock(new Date('2031-05-01T08:00:00Z'));
    sim = await startWithingsSim({ clock, appRateLimit: { perMinute: 1, waitSeconds: 68 } });
    const token = sim.issueTokens(sim.addUser()).accessToken;
    await getmeas(sim, token);
    expect((await getmeas(sim, token)).body).toEqual({ wait_seconds: 68 });
    await sim.close();

    sim = await startWithingsSim({ clock });
    const free = sim.issueTokens(sim.addUser()).accessToken;
    for (let i = 0; i < 5; i += 1) expect((await getmeas(sim, free)).status).toBe(0);
    clock.advance(60_000);
    expect((await getmeas(sim, free)).status).toBe(0);
    expect(sim.rateStats).toEqual({ refused: 0, peakPerMinute: 5 });
  });
});
