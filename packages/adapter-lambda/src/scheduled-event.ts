import type { ScheduledEvent } from './lambda-events.js';

/** An EventBridge rule's `rate(…)`/`cron(…)` event (what SAM's `Type: Schedule` sends). */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const e = event as Partial<ScheduledEvent> | null;
  return e?.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}
