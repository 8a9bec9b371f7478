import { describe, expect, it } from 'vitest';
import { AckGate } from '../src/http/ack-gate.js';
import { harness, minutesAgo, notificationRequest } from './harness.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with whether `promise` settled within `ms`. */
const settlesWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true), tick(ms).then(() => false)]);

describe('AckGate: answers before syncs', () => {
  it('with no webhook being answered, a sync goes after this turn of the event loop', async () => {
    const gate = new AckGate();
    let resumed = false;
    const idle = gate.idle().then(() => {
      resumed = true;
    });
    await Promise.resolve();
    expect(resumed).toBe(false); // the answer that just left is written first
    await idle;
    expect(resumed).toBe(true);
  });

  it('waits until the last webhook being answered is answered', async () => {
    const gate = new AckGate(10_000);
    gate.enter();
    gate.enter();
    const idle = gate.idle();
    gate.leave();
    expect(await settlesWithin(idle, 30)).toBe(false);
    gate.leave();
    expect(await settlesWithin(idle, 1000)).toBe(true);
  });

  it('a flood that never pauses holds a sync back for maxWaitMs at most', async () => {
    const gate = new AckGate(40);
    gate.enter();
    const started = performance.now();
    await gate.idle();
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    gate.leave();
  });

  it("a webhook's sync waits while another webhook is still being answered, then runs", async () => {
    const h = await harness();
    await h.sync.syncRecent({ userId: h.userId }); // warm: a sync now reaches Withings within milliseconds
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(2), weightKg: 80.2, notify: false });
    const now = Math.floor(Date.now() / 1000);
    const background: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void background.push(p) };
    // A notification whose body is still arriving: it is being answered until its body ends.
    let finish: () => void = () => undefined;
    const slowBody = new ReadableStream<Uint8Array>({
      start(controller) {
        finish = () => {
          controller.enqueue(new TextEncoder().encode(`userid=1234&appli=1&startdate=${now}&enddate=${now}`));
          controller.close();
        };
      },
    });
    const slow = h.sync.handler(
      new Request('http://wg-sync.local/webhook/withings', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: slowBody,
        duplex: 'half',
      } as RequestInit),
      ctx,
    );
    const withingsBefore = h.withings.requests.length;
    const answer = await h.sync.handler(
      notificationRequest(`userid=${h.userId}&appli=1&startdate=${now - 200}&enddate=${now}`),
      ctx,
    );
    const answeredAt = Date.now();
    expect(answer.status).toBe(200);
    await tick(150); // well past a warm sync's first Withings call
    finish();
    expect((await slow).status).toBe(200);
    const slowAnsweredAt = Date.now();
    await Promise.all(background);
    // Its sync started once the other webhook was answered (or the gate's 250 ms were up), not at once.
    const firstCall = h.withings.requests[withingsBefore]?.receivedAt.getTime() ?? Number.NaN;
    expect(firstCall).toBeGreaterThanOrEqual(Math.min(slowAnsweredAt - 5, answeredAt + 240));
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });
});
