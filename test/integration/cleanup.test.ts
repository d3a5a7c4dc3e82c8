/**
 * Event-driven cleanup with real parts: the real repository writing through a capture proxy, the
 * change stream it produces, the local event source mapping with the shared settings, and the real
 * cleanup handler (wrapped only to count invocations and inject failures).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import type { LocalEventSourceMapping } from '../../infra/local/stream/event-source-mapping.ts';
import { cleanupHandler, removedApp } from '../../shared/cleanup/handler.ts';
import { batchWrite } from '../../shared/db/batch-write.ts';
import { CleanupMarkers } from '../../shared/db/cleanup-markers.ts';
import { keys } from '../../shared/db/keys.ts';
import { CreateAppBody, UpdateAppBody } from '../../shared/schemas/app.ts';
import { AppService } from '../../shared/service/app-service.ts';
import { uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { readDeadLetters, settled as settledMapping, startCleanupMapping } from '../fixtures/cleanup-mapping.ts';
import { collectionSize as countCollection } from '../fixtures/db.ts';
import { deleteItemFromOutside } from '../fixtures/outside-writer.ts';
import { streamHarness } from '../fixtures/stream.ts';

const TABLE = `cleanup-test-${process.pid}`;
let harness: Awaited<ReturnType<typeof streamHarness>>;
let mapping: LocalEventSourceMapping;
let service: AppService;
const deadLetterFile = join(mkdtempSync(join(tmpdir(), 'dlq-')), 'cleanupApp.jsonl');
const delivered: DynamoDBRecord[] = [];
/** app_id → how many more invocations carrying it must fail (Infinity: a poison record). */
const failuresToInject = new Map<string, number>();

beforeAll(async () => {
  harness = await streamHarness(TABLE);
  service = new AppService(harness.repo);
  const real = cleanupHandler(harness.repo, new CleanupMarkers(harness.doc, TABLE));
  mapping = startCleanupMapping({
    stream: harness.stream,
    handler: real,
    deadLetterFile,
    onBatch: (records) => delivered.push(...records),
    fails: (record) => {
      const id = removedApp(record)?.app_id ?? '';
      const left = failuresToInject.get(id) ?? 0;
      if (left > 0) failuresToInject.set(id, left - 1);
      return left > 0;
    },
  });
});

afterAll(async () => {
  await mapping.stop();
  await harness.close();
});

const input = (body: Record<string, unknown>) => v.parse(CreateAppBody, { app_name: 'app', ...body });
const client = (role_ids: string[]) => ({ first_client: { name: 'c', redirect_uris: [], role_ids } });

const collectionSize = (tenantId: string, appId: string) => countCollection(harness.doc, TABLE, tenantId, appId);

const settled = () => settledMapping(mapping);

describe('cleanup through the local stream', () => {
  it('removes the whole collection and nothing of the neighbours', async () => {
    const tenant = uniqueTenant();
    const who = { tenantId: tenant, subject: 's' };
    const { app } = await service.create(who, input(client(['r1', 'r2'])));
    const extra = Array.from({ length: 500 }, (_, i) => ({
      PutRequest: {
        Item: { ...keys.role(tenant, app.app_id, `ext-${i}`), entity: 'RoleAssignment', role_id: `ext-${i}`, source: 'roles-service' },
      },
    }));
    await batchWrite(harness.doc, TABLE, extra);
    const sibling = (await service.create(who, input(client(['r1'])))).app;
    const foreign = (await service.create({ tenantId: uniqueTenant(), subject: 's' }, input(client(['r1', 'r2'])))).app;
    const prefixTwin = (
      await service.create(who, input(client(['r1'])), {
        appId: `${app.app_id.slice(0, 25)}${app.app_id.endsWith('z') ? 'y' : 'z'}`,
        clientId: 'twinclient0000000000000a',
        clientSecret: 'x'.repeat(43),
      })
    ).app;
    expect(await collectionSize(tenant, app.app_id)).toBe(503);

    await service.delete(who, app.app_id);
    await settled();
    expect(await collectionSize(tenant, app.app_id)).toBe(0);
    expect(await collectionSize(tenant, sibling.app_id)).toBe(2);
    expect(await collectionSize(foreign.tenant_id, foreign.app_id)).toBe(3);
    expect(await collectionSize(tenant, prefixTwin.app_id)).toBe(2);
  });

  it('releases the claims of an App removed by another writer', async () => {
    const who = { tenantId: uniqueTenant(), subject: 's' };
    const subdomain = uniqueLabel('cl');
    const custom_domain = `${subdomain}.example.com`;
    const { app } = await service.create(who, input({ subdomain, custom_domain }));
    // Another writer removes the App item alone (as `aws dynamodb delete-item` would), claims left behind.
    await harness.doc.send(new DeleteCommand({ TableName: TABLE, Key: { PK: `TENANT#${who.tenantId}`, SK: `APP#${app.app_id}` } }));
    await settled();
    await expect(service.create({ tenantId: uniqueTenant(), subject: 's' }, input({ subdomain, custom_domain }))).resolves.toBeDefined();
  });

  it('only App removals reach the handler', async () => {
    const before = delivered.length;
    const invocationsBefore = mapping.invocations;
    const who = { tenantId: uniqueTenant(), subject: 's' };
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push((await service.create(who, input({ ...client(['a', 'b']), subdomain: uniqueLabel('f') }))).app.app_id);
    for (const id of ids) await service.update(who, id, { app_name: 'renamed', ...client(['c']) } as never);
    for (const id of ids) await service.delete(who, id);
    await settled();
    const seen = delivered.slice(before);
    expect(seen.map((r) => r.eventName)).toEqual(['REMOVE', 'REMOVE', 'REMOVE']);
    expect(seen.map((r) => removedApp(r)?.app_id)).toEqual(ids);
    // Dozens of writes (claims, clients, roles, apps, the cleanup's own deletes); 1 to 3 invocations.
    expect(mapping.invocations - invocationsBefore).toBeGreaterThanOrEqual(1);
    expect(mapping.invocations - invocationsBefore).toBeLessThanOrEqual(3);
  });

  it('retries injected failures until the end state is clean', async () => {
    const who = { tenantId: uniqueTenant(), subject: 's' };
    const apps = [];
    for (let i = 0; i < 4; i++) apps.push((await service.create(who, input(client(['x', 'y'])))).app);
    failuresToInject.set(apps[1]!.app_id, 2);
    failuresToInject.set(apps[3]!.app_id, 1);
    for (const app of apps) await service.delete(who, app.app_id);
    await settled();
    for (const app of apps) expect(await collectionSize(who.tenantId, app.app_id)).toBe(0);
    expect(failuresToInject.get(apps[1]!.app_id)).toBe(0);
  });

  it('sends a poison record to the dead-letter store after the retries; the rest of its batch is processed', async () => {
    const who = { tenantId: uniqueTenant(), subject: 's' };
    const apps = [];
    for (let i = 0; i < 5; i++) apps.push((await service.create(who, input(client(['p'])))).app);
    const poison = apps[2]!;
    failuresToInject.set(poison.app_id, Number.POSITIVE_INFINITY);
    for (const app of apps) await service.delete(who, app.app_id);
    await settled();
    for (const app of apps.filter((a) => a !== poison)) expect(await collectionSize(who.tenantId, app.app_id)).toBe(0);
    expect(await collectionSize(who.tenantId, poison.app_id)).toBe(2);
    // What Lambda sends an SQS on-failure destination: the batch's place on the stream, not its records.
    const removal = delivered.find((r) => removedApp(r)?.app_id === poison.app_id);
    const dead = readDeadLetters(deadLetterFile);
    expect(dead).toEqual([
      {
        requestContext: {
          requestId: expect.any(String),
          functionArn: 'arn:aws:lambda:local:000000000000:function:cleanupApp',
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 6, // the first invocation and 5 retries (bisected down to the poison alone)
        },
        // The handler answered (a partial batch response), so no functionError.
        responseContext: { statusCode: 200, executedVersion: '$LATEST' },
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        DDBStreamBatchInfo: {
          shardId: 'shardId-00000000000000000000-00000000',
          startSequenceNumber: removal?.dynamodb?.SequenceNumber,
          endSequenceNumber: removal?.dynamodb?.SequenceNumber,
          approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
          approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
          batchSize: 1,
          streamArn: `arn:aws:dynamodb:local:000000000000:table/${TABLE}/stream/local`,
        },
      },
    ]);
    expect(removal?.dynamodb?.SequenceNumber).toMatch(/^\d{21}$/);
    expect(readFileSync(deadLetterFile, 'utf8')).not.toContain(poison.app_id);
    failuresToInject.delete(poison.app_id);
  });

  it('a redelivered REMOVE record removes nothing extra and raises no error', async () => {
    const who = { tenantId: uniqueTenant(), subject: 's' };
    const { app } = await service.create(who, input(client(['dup'])));
    const neighbour = (await service.create(who, input(client(['dup'])))).app;
    await service.delete(who, app.app_id);
    await settled();
    const record = delivered.find((r) => removedApp(r)?.app_id === app.app_id);
    expect(record).toBeDefined();
    const handler = cleanupHandler(harness.repo, new CleanupMarkers(harness.doc, TABLE));
    for (let i = 0; i < 2; i++) {
      const response = await handler({ Records: [record!] }, lambdaContext('cleanupApp', `redeliver-${i}`, 60_000));
      expect(response.batchItemFailures).toEqual([]);
    }
    expect(await collectionSize(who.tenantId, app.app_id)).toBe(0);
    expect(await collectionSize(who.tenantId, neighbour.app_id)).toBe(2);
  });

  it("a live app's MODIFY or INSERT record, should one arrive, removes nothing", async () => {
    const who = { tenantId: uniqueTenant(), subject: 's' };
    const { app } = await service.create(who, input(client(['live'])));
    await service.update(who, app.app_id, v.parse(UpdateAppBody, { app_name: 'renamed' }));
    // The records DynamoDB Streams makes for it (the mapping's filter keeps them from the handler).
    const key = { PK: `TENANT#${who.tenantId}`, SK: `APP#${app.app_id}` };
    const { Item } = await harness.doc.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
    const image = marshall(Item!) as never;
    const appRecords = [
      { eventName: 'INSERT', dynamodb: { Keys: marshall(key) as never, NewImage: image, SequenceNumber: '901' } },
      { eventName: 'MODIFY', dynamodb: { Keys: marshall(key) as never, OldImage: image, NewImage: image, SequenceNumber: '902' } },
    ] as DynamoDBRecord[];
    const handler = cleanupHandler(harness.repo, new CleanupMarkers(harness.doc, TABLE));
    const response = await handler({ Records: appRecords }, lambdaContext('cleanupApp', 'live', 60_000));
    expect(response.batchItemFailures).toEqual([]);
    expect(await collectionSize(who.tenantId, app.app_id)).toBe(2);
  });

  it('ignores records that are not App removals if they arrive anyway', async () => {
    const handler = cleanupHandler(harness.repo, new CleanupMarkers(harness.doc, TABLE));
    const insert = {
      eventName: 'INSERT',
      dynamodb: { Keys: { PK: { S: 'TENANT#t' }, SK: { S: 'APP#x' } }, SequenceNumber: '1' },
    } as DynamoDBRecord;
    const role = {
      eventName: 'REMOVE',
      dynamodb: {
        Keys: { PK: { S: 'TENANT#t#APP#x' }, SK: { S: 'ROLE#r' } },
        OldImage: { entity: { S: 'RoleAssignment' } },
        SequenceNumber: '2',
      },
    } as DynamoDBRecord;
    const response = await handler({ Records: [insert, role] }, lambdaContext('cleanupApp', 'ignore', 60_000));
    expect(response.batchItemFailures).toEqual([]);
  });

  it('records a delete made by an outside writer (a client of its own)', async () => {
    // A stream of its own that no mapping reads (a mapping trims what it has read).
    const table = `${TABLE}-cli`;
    const cli = await streamHarness(table);
    try {
      const key = { PK: 'CLI#item', SK: 'x' };
      await cli.doc.send(new PutCommand({ TableName: table, Item: { ...key, note: 'written by the test' } }));
      const position = cli.stream.end;
      await deleteItemFromOutside(cli.endpoint, table, key);
      const { records } = cli.stream.read(position, 10);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        eventName: 'REMOVE',
        eventSource: 'aws:dynamodb',
        eventSourceARN: cli.stream.arn,
        dynamodb: {
          Keys: { PK: { S: 'CLI#item' }, SK: { S: 'x' } },
          OldImage: { PK: { S: 'CLI#item' }, SK: { S: 'x' }, note: { S: 'written by the test' } },
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      });
      expect(records[0]?.dynamodb).not.toHaveProperty('NewImage');
    } finally {
      await cli.close();
    }
  });
});
