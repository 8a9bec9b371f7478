/** Queue mode's variables, checked; problems are added to the configuration's. */
export function queueOf(
  env: Record<string, string | undefined>,
  problems: string[],
): { queueUrl: string; deadLetterQueueUrl?: string; maxReceives: number } | undefined {
  const queueUrl = env.WG_SYNC_QUEUE_URL?.trim();
  const deadLetterQueueUrl = env.WG_SYNC_DEAD_LETTER_QUEUE_URL?.trim();
  const maxText = env.WG_SYNC_QUEUE_MAX_RECEIVES?.trim();
  const url = /^https?:\/\/[^/\s]+\/\S+$/;
  if (!queueUrl) {
    if (deadLetterQueueUrl) problems.push('WG_SYNC_DEAD_LETTER_QUEUE_URL needs WG_SYNC_QUEUE_URL');
    return undefined;
  }
  if (!url.test(queueUrl))
    problems.push('WG_SYNC_QUEUE_URL must be the queue URL (https://sqs.…/account/name)');
  if (deadLetterQueueUrl && !url.test(deadLetterQueueUrl))
    problems.push('WG_SYNC_DEAD_LETTER_QUEUE_URL must be the queue URL (https://sqs.…/account/name)');
  const maxReceives = maxText ? Number(maxText) : 5;
  if (!(/^\d{1,4}$/.test(maxText ?? '5') && maxReceives >= 1 && maxReceives <= 1000))
    problems.push(
      "WG_SYNC_QUEUE_MAX_RECEIVES must be a whole number from 1 to 1000 (the queue's maxReceiveCount)",
    );
  return { queueUrl, ...(deadLetterQueueUrl ? { deadLetterQueueUrl } : {}), maxReceives };
}
