import { createClock } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { CLEAR, IntervalsClient } from '../src/index.js';
import { clientFor, startSim } from './helpers.js';

describe('getAthlete', () => {
  it("reads the key's own athlete (id '0') with its time zone", async () => {
    const sim = await startSim({ athletes: [{ id: 'i12345', timezone: 'Europe/Paris', name: 'Ada L' }] });
    const athlete = await clientFor(sim).getAthlete();
    expect(athlete).toEqual({ id: 'i12345', timezone: 'Europe/Paris', name: 'Ada L' });
    expect(sim.requests.map((r) => [r.method, r.path, r.auth])).toEqual([['GET', '/api/v1/athlete/0', 'ok']]);
  });

  it('sees a time zone change, and an athlete without one has no timezone', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.setTimezone(sim.athlete.id, 'Asia/Kolkata');
    expect((await client.getAthlete()).timezone).toBe('Asia/Kolkata');
    sim.faults.add({ rewrite: (body) => ({ ...(body as object), timezone: null, name: null }) });
    expect(await client.getAthlete()).toEqual({ id: sim.athlete.id });
  });

  it('addresses an explicit athlete id', async () => {
    const sim = await startSim({ athletes: [{ id: 'i42' }] });
    const client = clientFor(sim, { athleteId: 'i42' });
    expect(client.athleteId).toBe('i42');
    expect((await client.getAthlete()).id).toBe('i42');
    expect(sim.requests[0]?.path).toBe('/api/v1/athlete/i42');
  });
});

describe('listWellness', () => {
  it('returns the records in range with the read fields only, nulls left out', async () => {
    const clock = createClock(new Date('2026-11-22T08:00:00Z'));
    const sim = await startSim({ clock });
    const { id } = sim.athlete;
    sim.seedWellness(id, '2026-11-19', { weight: 81.4, bodyFat: 21.2, restingHR: 51 });
    sim.seedWellness(id, '2026-11-20', { systolic: 121, diastolic: 79 });
    sim.seedWellness(id, '2026-11-30', { weight: 80.1 });
    const records = await clientFor(sim).listWellness({ oldest: '2026-11-19', newest: '2026-11-22' });
    expect(records).toEqual([
      { id: '2026-11-19', weight: 81.4, bodyFat: 21.2, updated: '2026-11-22T08:00:00.000Z' },
      { id: '2026-11-20', systolic: 121, diastolic: 79, updated: '2026-11-22T08:00:00.000Z' },
    ]);
    const query = sim.requests[0]?.query;
    expect([query?.get('oldest'), query?.get('newest')]).toEqual(['2026-11-19', '2026-11-22']);
  });

  it('an empty range is an empty list', async () => {
    const sim = await startSim();
    expect(await clientFor(sim).listWellness({ oldest: '2026-01-01', newest: '2026-01-01' })).toEqual([]);
  });

  it('keeps working when records carry unknown fields or lack the optional ones', async () => {
    const sim = await startSim();
    sim.faults.add({
      rewrite: () => [
        { id: '2026-11-19', weight: 80, someNewField: { nested: true }, sleepScore: 88 },
        { id: '2026-11-20' },
      ],
    });
    const records = await clientFor(sim).listWellness({ oldest: '2026-11-19', newest: '2026-11-20' });
    expect(records).toEqual([{ id: '2026-11-19', weight: 80 }, { id: '2026-11-20' }]);
  });
});

describe('putWellness', () => {
  it('sends only the given fields, and the rest of the record stays', async () => {
    const sim = await startSim();
    const { id } = sim.athlete;
    sim.seedWellness(id, '2026-11-20', { restingHR: 48, systolic: 118, diastolic: 76 });
    const answer = await clientFor(sim).putWellness('2026-11-20', { weight: 81.4, bodyFat: 21.2 });
    expect(answer).toMatchObject({
      id: '2026-11-20',
      weight: 81.4,
      bodyFat: 21.2,
      systolic: 118,
      diastolic: 76,
    });
    expect(typeof answer.updated).toBe('string');
    expect(JSON.parse(sim.requests[0]?.body ?? '')).toEqual({ weight: 81.4, bodyFat: 21.2 });
    expect(sim.requests[0]?.headers['content-type']).toBe('application/json');
    expect(sim.wellness(id)[0]).toMatchObject({ restingHR: 48, weight: 81.4, systolic: 118 });
  });

  it('CLEAR (-1) removes a value', async () => {
    const sim = await startSim();
    sim.seedWellness(sim.athlete.id, '2026-11-20', { weight: 81.4, bodyFat: 21.2 });
    const answer = await clientFor(sim).putWellness('2026-11-20', { bodyFat: CLEAR });
    expect(answer).toEqual({ id: '2026-11-20', weight: 81.4, updated: expect.any(String) });
    expect(sim.wellness(sim.athlete.id)[0]?.bodyFat).toBeNull();
  });

  it('writing the same values twice leaves one record with those values', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await client.putWellness('2026-11-20', { systolic: 121, diastolic: 79 });
    await client.putWellness('2026-11-20', { systolic: 121, diastolic: 79 });
    expect(sim.wellness(sim.athlete.id)).toEqual([expect.objectContaining({ systolic: 121, diastolic: 79 })]);
  });

  it('takes the day from the path when the answer has no id, and refuses another day', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.faults.add({ rewrite: () => ({ weight: 80 }) });
    expect(await client.putWellness('2026-11-20', { weight: 80 })).toEqual({ id: '2026-11-20', weight: 80 });
    sim.faults.add({ rewrite: () => ({ id: '2026-11-21', weight: 80 }) });
    const error = await client.putWellness('2026-11-20', { weight: 80 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'UPSTREAM',
      message: expect.stringMatching(/2026-11-21, not 2026-11-20/),
    });
  });

  it('works the same through an injected fetch', async () => {
    const sim = await startSim();
    const seen: string[] = [];
    const client = new IntervalsClient({
      apiKey: sim.athlete.apiKey,
      baseUrl: `${sim.url}/`,
      fetch: (input, init) => {
        seen.push(`${init?.method} ${String(input)}`);
        return fetch(input, init);
      },
    });
    await client.putWellness('2026-11-20', { weight: 80 });
    expect(seen).toEqual([`PUT ${sim.url}/api/v1/athlete/0/wellness/2026-11-20`]);
  });
});
