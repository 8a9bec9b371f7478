/** One SQS message as Lambda hands it to the function (only the fields the adapter reads). */
export interface SqsRecord {
  /** SQS's message id: what `batchItemFailures` names. */
  messageId: string;
  /** For `ChangeMessageVisibility` (a failed message's backoff). */
  receiptHandle: string;
  /** The message: one `WorkMessage` as JSON. */
  body: string;
  /** SQS's system attributes, as strings. */
  attributes: {
    /** How many times SQS has handed this message out, this time included. */
    ApproximateReceiveCount: string;
    [name: string]: string | undefined;
  };
  /** Always `aws:sqs`. */
  eventSource: 'aws:sqs';
  /** `arn:aws:sqs:<region>:<account>:<queue name>`. */
  eventSourceARN: string;
}

/** The event of an SQS event source mapping. */
export interface SqsEvent {
  /** One to `BatchSize` messages. */
  Records: SqsRecord[];
}

/**
 * The answer to an SQS event with `FunctionResponseTypes: [ReportBatchItemFailures]`: Lambda deletes
 * every record of the batch except those named here, which SQS hands out again.
 */
export interface SqsBatchResult {
  /** The records that were not done (their `messageId`). */
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** An event from an SQS event source mapping (every record `aws:sqs`). */
export function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs')
  );
}
