import { describe, expect, it } from 'vitest';
import { harness } from './harness.js';

describe('blood pressure from a monitor that measures no pulse', () => {
  it('is synced without a pulse, once, instead of failing at every sync', async () => {
    const h = await harness({ config: { bloodPressure: true } });
    const takenAt = new Date(Math.floor((Date.now() - 30 * 60_000) / 1000) * 1000);
    const [groupId] = h.withings.addBloodPressure(h.userId, {
      takenAt,
      systolic: 128,
      diastolic: 84,
      notify: false,
    }).groupIds;

    const first = await h.sync.syncRecent();
    expect(first.failed).toEqual([]);
    expect(first.synced).toMatchObject([
      {
        groupIds: [groupId],
        fields: ['systolic', 'diastolic'],
        bloodPressure: { systolic: 128, diastolic: 84 },
      },
    ]);
    expect(first.synced[0]?.bloodPressure).not.toHaveProperty('pulse');
    // What Garmin holds: the reading, no pulse (the field was not sent, not sent as 0).
    expect(h.garmin.bloodPressures(h.email)).toMatchObject([{ systolic: 128, diastolic: 84, pulse: null }]);
    const posted = h.garmin.requests.filter(
      (r) => r.method === 'POST' && r.path.startsWith('/bloodpressure-service/bloodpressure'),
    );
    expect(posted).toHaveLength(1);
    expect(JSON.parse(posted[0]?.body ?? '{}')).not.toHaveProperty('pulse');

    const second = await h.sync.syncRecent();
    expect(second.synced).toEqual([]);
    expect(second.failed).toEqual([]);
    expect(h.garmin.bloodPressures(h.email)).toHaveLength(1);
  });
});
