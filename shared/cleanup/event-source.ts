/**
 * The one definition of the cleanup's event source mapping. The CDK stack builds its DynamoEventSource
 * from it (`FilterCriteria.filter(pattern)` for each pattern) and the local event source mapping
 * applies the same patterns, batching, retries and dead-lettering, so a laptop behaves as AWS does.
 */
import type { FunctionSettings } from '../function-settings.ts';

/** The cleanup Lambda: stream consumer and redrive (the API functions are in the route table). */
export const CLEANUP_FUNCTION = {
  name: 'cleanupApp',
  entry: 'functions/cleanup-app.ts',
  // Fans out to thousands of deletes: more memory buys CPU and network for BatchWriteItem.
  memorySizeMb: 1024,
  // A large collection may take minutes; a timeout only means a retry that resumes (idempotent).
  timeoutSeconds: 5 * 60,
} as const satisfies FunctionSettings & { name: string; entry: string };

/** Lambda event-filtering patterns: a record is delivered when ANY pattern matches it. */
export const CLEANUP_FILTER_PATTERNS = [
  // Only the removal of an App item. App keys are `TENANT#<tid>` / `APP#<app_id>`; every other item
  // (claims, collection items, idempotency records) has another sort-key prefix.
  { eventName: ['REMOVE'], dynamodb: { Keys: { SK: { S: [{ prefix: 'APP#' }] } } } },
] as const;

export const CLEANUP_EVENT_SOURCE = {
  filterPatterns: CLEANUP_FILTER_PATTERNS,
  /** App removals are rare and each may fan out to thousands of deletes: keep batches small. */
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
  /** Retries of a failing batch before its records go to the on-failure destination. */
  retryAttempts: 5,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  /** Records older than this are sent to the on-failure destination instead of retried (seconds). */
  maxRecordAgeSeconds: 6 * 60 * 60,
  startingPosition: 'TRIM_HORIZON',
} as const;

export type CleanupEventSource = typeof CLEANUP_EVENT_SOURCE;

/**
 * The scheduled redrive: on AWS the on-failure destination receives only a failed batch's coordinates
 * and the stream keeps records 24 h, so a cleanup that failed past its retries would leave its app's
 * collection for good. The delete leaves a cleanup marker that the cleanup removes last; this schedule
 * invokes the same function with an EventBridge Scheduled Event, and the function finishes every marker
 * older than `markerAgeSeconds`. The CDK stack's rule and the local runtime's timer both read it.
 */
export const CLEANUP_REDRIVE = {
  /** How often the redrive runs (an EventBridge `rate(...)`). */
  rateMinutes: 15,
  /**
   * Markers younger than this are left to the stream, which normally removes them within seconds
   * (retries and bisection included); only one left behind this long is the redrive's.
   */
  markerAgeSeconds: 60 * 60,
  /** The local schedule's name (its log lines, the rule ARN in its events' `resources`). */
  name: 'cleanupRedrive',
} as const;
