/**
 * The cleanup's metrics, read back from its EMF lines: the real cleanup handler against a table of its
 * own, with collections seeded item by item (key literals spelled out here) and a count known in advance.
 */
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, localDynamoClient } from '../../infra/local/dynamodb.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { scheduledEvent } from '../../infra/local/schedule.ts';
import type { CleanupHandler } from '../../shared/cleanup/handler.ts';
import { AppRepository } from '../../shared/db/app-repository.ts';
import { CleanupMarkers } from '../../shared/db/cleanup-markers.ts';
import { uniqueTenant } from '../fixtures/api.ts';
import { collectionKey, collectionSize } from '../fixtures/db.ts';
import { withEmf } from '../fixtures/emf.ts';
import { runtime } from '../fixtures/tokens.ts';

const TABLE = `cleanup-metrics-test-${process.pid}`;
let doc: DynamoDBDocumentClient;
let handler: CleanupHandler;
/** The redrive's clock: two hours ahead, so every marker written now is past the marker age. */
const later = () => new Date(Date.now() + 2 * 60 * 60 * 1000);

beforeAll(async () => {
  // On even if the run turns metrics off for quieter output; read when shared/metrics.ts loads, so first.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const { cleanupHandler } = await import('../../shared/cleanup/handler.ts');
  await ensureTable(runtime().dynamoEndpoint, TABLE);
  doc = DynamoDBDocumentClient.from(localDynamoClient(runtime().dynamoEndpoint));
  handler = cleanupHandler(new AppRepository(doc, TABLE), new CleanupMarkers(doc, TABLE), { now: later });
});

let apps = 0;
/** A deleted app: `items` role assignments left in its collection, and its cleanup marker. */
async function deletedApp(items: number) {
  const tenant = uniqueTenant('cm');
  const appId = `0000000000000000000000${String(++apps).padStart(4, '0')}`;
  const roles = Array.from({ length: items }, (_, i) => ({
    PutRequest: { Item: { PK: collectionKey(tenant, appId), SK: `ROLE#r${i}`, entity: 'RoleAssignment', role_id: `r${i}` } },
  }));
  for (let i = 0; i < roles.length; i += 25) await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: roles.slice(i, i + 25) } }));
  const marker = { PK: 'CLEANUP', SK: collectionKey(tenant, appId), entity: 'CleanupMarker', tenant_id: tenant, app_id: appId };
  await doc.send(new PutCommand({ TableName: TABLE, Item: { ...marker, deleted_at: new Date().toISOString() } }));
  return { tenant, appId };
}

/** The REMOVE record DynamoDB Streams makes when the App item goes. */
function removal({ tenant, appId }: { tenant: string; appId: string }, sequence: number): DynamoDBRecord {
  const key = { PK: `TENANT#${tenant}`, SK: `APP#${appId}` };
  return {
    eventName: 'REMOVE',
    dynamodb: {
      Keys: marshall(key) as never,
      OldImage: marshall({ ...key, entity: 'App', tenant_id: tenant, app_id: appId }) as never,
      SequenceNumber: String(sequence),
    },
  } as DynamoDBRecord;
}

describe('cleanup metrics (EMF)', () => {
  it('a stream batch of two removals: one line with the items removed and the DynamoDB calls of both', async () => {
    const first = await deletedApp(60);
    const second = await deletedApp(3);
    const { result, lines } = await withEmf(() =>
      handler({ Records: [removal(first, 1), removal(second, 2)] }, lambdaContext('cleanupApp', 'cm-stream', 60_000)),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(await collectionSize(doc, TABLE, first.tenant, first.appId)).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'ManagementApps',
        Dimensions: [['service', 'operation']],
        Metrics: [
          { Name: 'AppsCleanedUp', Unit: 'Count' },
          { Name: 'ItemsRemoved', Unit: 'Count' },
          { Name: 'DynamoDBCalls', Unit: 'Count' },
        ],
      },
    ]);
    // 60 items: 1 Query page, 3 BatchWriteItems (25 each), 1 marker delete; 3 items: 1 + 1 + 1.
    expect(lines[0]).toMatchObject({ operation: 'cleanupStream', AppsCleanedUp: 2, ItemsRemoved: 63, DynamoDBCalls: 8 });
    expect(JSON.stringify(lines[0])).not.toContain(first.tenant);
  });

  it('the scheduled redrive: one line, under its own operation', async () => {
    const left = await deletedApp(30);
    const { result, lines } = await withEmf(() =>
      handler(scheduledEvent('cleanupRedrive', later()), lambdaContext('cleanupApp', 'cm-redrive', 10 * 60_000)),
    );
    // Other apps of this file may still have markers: only this run's own figures are known in advance.
    expect(result.failed).toBe(0);
    expect(await collectionSize(doc, TABLE, left.tenant, left.appId)).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ operation: 'cleanupRedrive', AppsCleanedUp: 1, ItemsRemoved: 30, DynamoDBCalls: 4 });
  });
});
