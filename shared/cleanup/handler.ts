/**
 * The cleanup function. Two triggers, one module:
 * - the table's stream: for each App REMOVE, delete what belonged to the app (claims, role assignments,
 *   client record, then its cleanup marker). Partial batch failures are reported with Powertools'
 *   BatchProcessor, so one failing record is retried (and finally dead-lettered) without re-running or
 *   blocking the others. Records that are not App removals are filtered out by the event source mapping
 *   and, should one arrive anyway, ignored.
 * - the redrive schedule (an EventBridge Scheduled Event): finish the apps whose marker is older than
 *   the marker age, i.e. whose stream cleanup gave up (redrive.ts).
 * Each invocation writes one EMF line: apps cleaned up, items removed, DynamoDB calls (cleanup-metrics.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import type { AppRepository } from '../db/app-repository.ts';
import type { CleanupMarkers } from '../db/cleanup-markers.ts';
import { runWithDeadline } from '../db/deadline.ts';
import { logger } from '../logger.ts';
import type { AppRecord } from '../model.ts';
import { CleanupTally } from './cleanup-metrics.ts';
import { isScheduledEvent, type RedriveSummary, redriveCleanup } from './redrive.ts';
import { cleanUpRemovedApp } from './remove-app.ts';

/** The removed App's old image, or undefined for any record that is not an App removal. */
export function removedApp(record: DynamoDBRecord): AppRecord | undefined {
  if (record.eventName !== 'REMOVE') return undefined;
  const image = record.dynamodb?.OldImage;
  if (!image || !record.dynamodb?.Keys?.SK?.S?.startsWith('APP#')) return undefined;
  const app = unmarshall(image as Record<string, AttributeValue>);
  if (app.entity !== 'App' || typeof app.tenant_id !== 'string' || typeof app.app_id !== 'string') return undefined;
  return app as AppRecord;
}

export interface CleanupHandler {
  (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse>;
  (event: ScheduledEvent, context: Context): Promise<RedriveSummary>;
}

export interface CleanupOptions {
  /** The redrive's clock (tests move it instead of waiting an hour). */
  now?: () => Date;
}

export function cleanupHandler(repo: AppRepository, markers: CleanupMarkers, options: CleanupOptions = {}): CleanupHandler {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const now = options.now ?? (() => new Date());

  async function cleanUpRecord(record: DynamoDBRecord, tally: CleanupTally): Promise<void> {
    const app = removedApp(record);
    if (!app) {
      logger.warn('ignored a stream record that is not an App removal', { event_name: record.eventName });
      return;
    }
    const summary = await cleanUpRemovedApp(repo, markers, app);
    tally.add(summary);
    logger.info('removed app collection', { tenant_id: app.tenant_id, app_id: app.app_id, ...summary });
  }

  // Log fields are passed per line, never appended to the shared logger: locally, one process runs
  // this function and the API functions side by side. The metrics are flushed once, whatever happened.
  async function handle(event: DynamoDBStreamEvent | ScheduledEvent, context: Context) {
    const tally = new CleanupTally();
    if (isScheduledEvent(event)) {
      try {
        return await redriveCleanup(repo, markers, now(), context, tally);
      } finally {
        tally.emit('redrive', context.awsRequestId);
      }
    }
    if (!Array.isArray((event as Partial<DynamoDBStreamEvent>).Records)) {
      throw new Error('Cleanup: neither a stream batch nor a Scheduled Event');
    }
    try {
      return await processPartialResponse(
        event as DynamoDBStreamEvent,
        (record: DynamoDBRecord) => cleanUpRecord(record, tally),
        processor,
        { context },
      );
    } finally {
      tally.emit('stream', context.awsRequestId);
    }
  }
  // Its DynamoDB calls end before the invocation does (db/deadline.ts): a stalled call fails the record,
  // which is retried, instead of the whole batch dying with the function.
  const handleInTime = (event: DynamoDBStreamEvent | ScheduledEvent, context: Context) =>
    runWithDeadline(context, () => handle(event, context));
  return handleInTime as CleanupHandler;
}
