/**
 * The service's metric names and namespace, with no runtime dependency: the functions emit them
 * (metrics.ts) and the stack's dashboard graphs them (infra/constructs/dashboard.ts), so the two cannot
 * drift apart.
 */

/** POWERTOOLS_METRICS_NAMESPACE in the stack; also the default when it is not set (local runtime). */
export const METRICS_NAMESPACE = 'ManagementApps';
/** The `service` dimension (POWERTOOLS_SERVICE_NAME). */
export const METRICS_SERVICE = 'management-apps';

export const METRIC = {
  /** API responses by status class: every request emits all three, 1 for its class and 0 for the others. */
  status2xx: 'Responses2xx',
  status4xx: 'Responses4xx',
  status5xx: 'Responses5xx',
  /** From the first middleware's `before` to the response, errors included (milliseconds). */
  latency: 'Latency',
  /** A client secret added (addClientSecret 201) or deleted (deleteClientSecret 204). */
  secretsAdded: 'SecretsAdded',
  secretsDeleted: 'SecretsDeleted',
  /** Cleanup, per invocation: the items of deleted apps' collections removed, and the DynamoDB calls that took. */
  itemsRemoved: 'ItemsRemoved',
  dynamodbCalls: 'DynamoDBCalls',
  /** Cleanup, per invocation: the deleted apps whose cleanup finished. */
  appsCleanedUp: 'AppsCleanedUp',
} as const;

/** The `operation` dimension of the cleanup, by trigger (the API's are the route names). */
export const CLEANUP_OPERATION = { stream: 'cleanupStream', redrive: 'cleanupRedrive' } as const;
