/**
 * One Powertools Metrics instance per process, writing CloudWatch Embedded Metric Format (EMF): one JSON
 * log line per invocation that CloudWatch Logs turns into metrics, with no API call and no latency.
 *
 * Dimensions are {service, operation} and nothing else. Each distinct combination of dimension values
 * is a custom metric, billed per month: an operation (7 routes, 2 cleanup triggers) is a fixed, small
 * set, whereas a tenant id or app id would multiply the bill by the number of tenants or apps and put
 * customer identifiers where anyone with cloudwatch:ListMetrics can read them (the status class is in
 * the metric's name instead: three names, not one per status code). Ids go in the access log, which is
 * where an operator follows a request.
 *
 * The instance's buffer is shared by the process, and the local runtime serves many requests in one
 * process at once: each request collects its values on its own and `emitMetrics` writes them in one
 * synchronous block (dimension, metrics, flush), so no other request can add to them in between.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from './metric-names.ts';

const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? METRICS_SERVICE,
});

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** What one invocation measured: counts, and durations in milliseconds. */
export interface InvocationMetrics {
  operation: string;
  counts?: Partial<Record<MetricName, number>>;
  milliseconds?: Partial<Record<MetricName, number>>;
  /** Not a dimension: free to vary, it only ties the EMF line to the access log line. */
  requestId?: string;
}

export function emitMetrics({ operation, counts = {}, milliseconds = {}, requestId }: InvocationMetrics): void {
  metrics.addDimension('operation', operation);
  for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, MetricUnit.Count, value);
  for (const [name, value] of Object.entries(milliseconds)) metrics.addMetric(name, MetricUnit.Milliseconds, value);
  if (requestId) metrics.addMetadata('request_id', requestId);
  metrics.publishStoredMetrics();
}
