/**
 * Per operation (the route's name): one response counted in its status class, and the latency. The
 * outermost middleware of the chain (api-handler.ts), with `onError` as well as `after`: a response the
 * error handler made from an error (a 401 from the authorizer, a 400, a 503, a 500) is counted like any
 * other, and the latency covers everything the chain did. One EMF line per invocation.
 *
 * A route handler adds its own counts (a secret added, a secret deleted) with `countForRequest`, once
 * the change is made; they are written in the same line as the response's class.
 */
import type { MiddlewareObj } from '@middy/core';
import { METRIC } from '../metric-names.ts';
import { emitMetrics, type MetricName } from '../metrics.ts';
import type { RouteName } from '../routes.ts';
import type { ApiRequest } from './types.ts';

/** Counts a route handler added, per event: request-scoped, never on the shared Metrics instance. */
const extraCounts = new WeakMap<object, Partial<Record<MetricName, number>>>();

export function countForRequest(event: object, name: MetricName, value = 1): void {
  const counts = extraCounts.get(event) ?? {};
  counts[name] = (counts[name] ?? 0) + value;
  extraCounts.set(event, counts);
}

/**
 * The class a status belongs to. This API answers no 1xx or 3xx, so below 400 is a success. No response
 * at all means the invocation failed, which API Gateway answers with a 500.
 */
export function statusClassMetric(status: number | undefined): MetricName {
  if (status === undefined || status >= 500) return METRIC.status5xx;
  if (status >= 400) return METRIC.status4xx;
  return METRIC.status2xx;
}

export function requestMetrics(operation: RouteName): MiddlewareObj {
  const started = new WeakMap<object, number>();
  const startTimer = async (request: ApiRequest): Promise<void> => {
    started.set(request, performance.now());
  };
  const emitRequestMetrics = async (request: ApiRequest): Promise<void> => {
    // Once per request: `onError` also runs when an `after` hook throws, possibly after this one ran.
    const start = started.get(request);
    if (start === undefined) return;
    started.delete(request);
    const latency = performance.now() - start;
    // All three classes every time (0 or 1): a class's Average is then its share of the requests.
    const counts: Partial<Record<MetricName, number>> = { [METRIC.status2xx]: 0, [METRIC.status4xx]: 0, [METRIC.status5xx]: 0 };
    counts[statusClassMetric(request.response?.statusCode)] = 1;
    emitMetrics({
      operation,
      counts: { ...counts, ...extraCounts.get(request.event) },
      milliseconds: { [METRIC.latency]: Math.round(latency * 10) / 10 },
      requestId: request.event.log?.request_id ?? request.context.awsRequestId,
    });
  };
  return { before: startTimer, after: emitRequestMetrics, onError: emitRequestMetrics } as MiddlewareObj;
}
