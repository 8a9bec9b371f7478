import type { EnqueueReport, ReconcileReport, SyncReport } from '@wg-sync/core';
import type { AsyncRejectionReason } from './errors.js';
import type { SqsBatchResult } from './sqs/sqs-event.js';

/*
 * The event and result shapes the adapter reads and writes: only the fields it uses, so the published
 * types need no `@types/aws-lambda` (whose full types are assignable to these; the tests check it).
 */

/** API Gateway REST API proxy event (payload format 1.0). */
export interface ApiGatewayV1Event {
  /** `GET`, `HEAD`, `POST`, … */
  httpMethod: string;
  /** The resource path without the stage (`/webhook/withings`); some setups include it. */
  path: string;
  /** One value per header (the last one when a header repeats). */
  headers?: Record<string, string | undefined> | null;
  /** Every value of every header; preferred when present. */
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  /** Query parameters, decoded, one value each. */
  queryStringParameters?: Record<string, string | undefined> | null;
  /** Query parameters, decoded, every value; preferred when present. */
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  /** The body as text, or base64 when `isBase64Encoded`. */
  body?: string | null;
  /** Whether `body` is base64 (binary media types). */
  isBase64Encoded?: boolean;
  /** Where the request came in. */
  requestContext?: {
    /** The stage name (`prod`), removed from the front of `path` when it is there. */
    stage?: string;
    /** The API's host name, used when there is no `Host` header. */
    domainName?: string;
    /** Who called. */
    identity?: {
      /** The caller's address as API Gateway saw it (not a header the caller could set). */
      sourceIp?: string | null;
    } | null;
  };
}

/** API Gateway HTTP API (payload format 2.0) and Lambda Function URL event. */
export interface ApiGatewayV2Event {
  /** `2.0`. */
  version: string;
  /** The path as requested, stage included for a named HTTP API stage (`/prod/webhook/withings`). */
  rawPath: string;
  /** The query string as sent, without `?`. */
  rawQueryString?: string;
  /** Header names in lower case; repeated headers joined with commas. */
  headers?: Record<string, string | undefined>;
  /** The `Cookie` header, split (it is not in `headers`). */
  cookies?: string[];
  /** The body as text, or base64 when `isBase64Encoded`. */
  body?: string;
  /** Whether `body` is base64. */
  isBase64Encoded?: boolean;
  /** Where the request came in. */
  requestContext: {
    /** The request line. */
    http: {
      /** `GET`, `HEAD`, `POST`, … */
      method: string;
      /** The caller's address as API Gateway or the Function URL saw it (not a header the caller could set). */
      sourceIp?: string;
    };
    /** The stage (`$default`, or a name that `rawPath` starts with). */
    stage?: string;
    /** The API's or Function URL's host name, used when there is no `host` header. */
    domainName?: string;
  };
}

/** An EventBridge (CloudWatch Events) scheduled event. */
export interface ScheduledEvent {
  /** Always `aws.events`. */
  source: 'aws.events';
  /** Always `Scheduled Event`. */
  'detail-type': 'Scheduled Event';
  /** When the rule fired (ISO 8601). */
  time?: string;
  /** The rule's ARN. */
  resources?: string[];
}

/** The result API Gateway REST APIs expect. */
export interface ApiGatewayV1Result {
  /** The HTTP status. */
  statusCode: number;
  /** Single-value headers. */
  headers: Record<string, string>;
  /** Headers that occur more than once (`set-cookie`). */
  multiValueHeaders: Record<string, string[]>;
  /** The body as text, or base64 when `isBase64Encoded`. */
  body: string;
  /** Whether `body` is base64 (any type that is not text, JSON, XML or a form). */
  isBase64Encoded: boolean;
}

/** The result HTTP APIs and Function URLs expect. */
export interface ApiGatewayV2Result {
  /** The HTTP status. */
  statusCode: number;
  /** Every header but `set-cookie`. */
  headers: Record<string, string>;
  /** One entry per `Set-Cookie` header. */
  cookies: string[];
  /** The body as text, or base64 when `isBase64Encoded`. */
  body: string;
  /** Whether `body` is base64 (any type that is not text, JSON, XML or a form). */
  isBase64Encoded: boolean;
}

/** The parts of the Lambda context object the adapter reads. */
export interface LambdaContextLike {
  /** This function's name; async events signed for another function are refused. */
  functionName?: string;
  /** The ARN this invocation used (qualifier included); async events are queued on it. */
  invokedFunctionArn?: string;
  /** Lambda's request id, for log lines. */
  awsRequestId?: string;
  /** Milliseconds left before Lambda stops the invocation. */
  getRemainingTimeInMillis?(): number;
}

/**
 * The result of a scheduled event whose reconcile found nothing failing (`report.ok`); a pass with a
 * failure rejects with `ReconcileFailedError` instead.
 */
export interface ReconcileResult {
  /** What ran. */
  kind: 'reconcile';
  /** What `sync.reconcile()` reported (secrets redacted). */
  report: ReconcileReport;
}

/**
 * The result of a scheduled event in queue mode (`queue` / `WG_SYNC_QUEUE_URL`): the reconciles due
 * in the next window were enqueued, nothing was synced in this invocation.
 */
export interface ReconcileEnqueuedResult {
  /** What ran. */
  kind: 'reconcile-enqueued';
  /** What `sync.work.enqueueDueReconciles()` reported. */
  report: EnqueueReport;
}

/** The result of an async notification that was authenticated and synced. */
export interface NotificationSyncedResult {
  /** What ran. */
  kind: 'notification';
  /** It passed the signature check and the sync ran. */
  status: 'synced';
  /** What `sync.syncNotification()` reported (secrets redacted). */
  report: SyncReport;
}

/** The result of an async notification that failed authentication (nothing was synced). */
export interface NotificationRejectedResult {
  /** What ran. */
  kind: 'notification';
  /** It was refused. */
  status: 'rejected';
  /** Which check failed. */
  reason: AsyncRejectionReason;
}

/** The result of a queued manual sync that was authenticated and ran. */
export interface ManualSyncedResult {
  /** What ran. */
  kind: 'manual-sync';
  /** It passed the signature check and the sync ran. */
  status: 'synced';
  /** What `sync.syncManual()` reported, one report per account (secrets redacted). */
  reports: SyncReport[];
}

/** The result of a queued manual sync that failed authentication (nothing was synced). */
export interface ManualSyncRejectedResult {
  /** What ran. */
  kind: 'manual-sync';
  /** It was refused. */
  status: 'rejected';
  /** Which check failed. */
  reason: AsyncRejectionReason;
}

/** What the handler returns for an event that is not an HTTP request. */
export type LambdaEventResult =
  | ReconcileResult
  | ReconcileEnqueuedResult
  | NotificationSyncedResult
  | NotificationRejectedResult
  | ManualSyncedResult
  | ManualSyncRejectedResult;

/** An HTTP result (shaped for the event's API), a {@link LambdaEventResult}, or an SQS batch's answer. */
export type LambdaAdapterResult =
  | ApiGatewayV1Result
  | ApiGatewayV2Result
  | LambdaEventResult
  | SqsBatchResult;

/** The Lambda handler `lambdaAdapter` returns: any supported event in, its result out. */
export type LambdaHandler = (event: unknown, context?: LambdaContextLike) => Promise<LambdaAdapterResult>;
