/**
 * The cleanup consumer of the table's stream: for each App REMOVE, delete what belonged to the app
 * (role assignments, client record, claims). Partial batch failures are reported with Powertools'
 * BatchProcessor, so one failing record is retried (and finally dead-lettered) without re-running or
 * blocking the others. Records that are not App removals are filtered out by the event source mapping
 * and, should one arrive anyway, ignored.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AppRepository } from '../db/app-repository.ts';
import { logger } from '../logger.ts';
import type { AppRecord } from '../model.ts';
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

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

export function cleanupHandler(repo: AppRepository): StreamHandler {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  async function cleanUpRecord(record: DynamoDBRecord): Promise<void> {
    const app = removedApp(record);
    if (!app) {
      logger.warn('ignored a stream record that is not an App removal', { event_name: record.eventName });
      return;
    }
    const summary = await cleanUpRemovedApp(repo, app);
    logger.info('removed app collection', { tenant_id: app.tenant_id, app_id: app.app_id, ...summary });
  }

  // Log fields are passed per line, never appended to the shared logger: locally, one process runs
  // this function and the API functions side by side.
  return (event, context) => processPartialResponse(event, cleanUpRecord, processor, { context });
}
