/**
 * What one cleanup invocation removed, for its one EMF line (shared/metrics.ts): the deleted apps whose
 * cleanup finished, the items of their collections removed, and the DynamoDB calls that took, as
 * `cleanUpRemovedApp` counts them (claim releases, the collection's Query pages and BatchWriteItem
 * calls, the marker delete; not the redrive's own marker listing and existence checks).
 * An app whose cleanup fails midway adds nothing; its retry removes what is left and counts that, so
 * the items removed add up to the items that were there.
 * One tally per invocation, never per process: locally, the stream and the schedule may run at once.
 */
import { CLEANUP_OPERATION, METRIC } from '../metric-names.ts';
import { emitMetrics } from '../metrics.ts';
import type { RemovedAppSummary } from './remove-app.ts';

export class CleanupTally {
  apps = 0;
  itemsRemoved = 0;
  dynamodbCalls = 0;

  add(summary: RemovedAppSummary): void {
    this.apps++;
    this.itemsRemoved += summary.items_removed;
    this.dynamodbCalls += summary.dynamodb_calls;
  }

  emit(trigger: keyof typeof CLEANUP_OPERATION, requestId?: string): void {
    emitMetrics({
      operation: CLEANUP_OPERATION[trigger],
      counts: { [METRIC.appsCleanedUp]: this.apps, [METRIC.itemsRemoved]: this.itemsRemoved, [METRIC.dynamodbCalls]: this.dynamodbCalls },
      requestId,
    });
  }
}
