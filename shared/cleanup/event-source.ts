/**
 * The one definition of the cleanup's event source mapping. The CDK stack builds its DynamoEventSource
 * from it (`FilterCriteria.filter(pattern)` for each pattern) and the local event source mapping
 * applies the same patterns, batching, retries and dead-lettering, so a laptop behaves as AWS does.
 */

/** The stream consumer's Lambda (the API functions are in the route table). */
export const CLEANUP_FUNCTION = { name: 'cleanupApp', entry: 'functions/cleanup-app.ts' } as const;

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
