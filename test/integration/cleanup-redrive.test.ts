/**
 * The cleanup marker and the scheduled redrive, with real parts: a table of its own behind a capture
 * proxy, the local event source mapping with the shared settings, and the real cleanup handler (wrapped
 * only to inject failures), then the same handler invoked with a Scheduled Event and an injected clock
 * instead of an hour's wait. Apps are written item by item with key literals spelled out here, so a
 * wrong key builder cannot hide a leftover.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, ScheduledEvent } from 'aws-lambda';
import * as v from 'valibot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { LocalSchedule, scheduledEvent } from '../../infra/local/schedule.ts';
import type { LocalEventSourceMapping } from '../../infra/local/stream/event-source-mapping.ts';
import { CLEANUP_REDRIVE } from '../../shared/cleanup/event-source.ts';
import { type CleanupHandler, cleanupHandler, removedApp } from '../../shared/cleanup/handler.ts';
import { AppRepository } from '../../shared/db/app-repository.ts';
import { batchWrite } from '../../shared/db/batch-write.ts';
import { CleanupMarkers } from '../../shared/db/cleanup-markers.ts';
import { CreateAppBody } from '../../shared/schemas/app.ts';
import { AppService } from '../../shared/service/app-service.ts';
import { uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { covers, readDeadLetters, settled as settledMapping, startCleanupMapping } from '../fixtures/cleanup-mapping.ts';
import { streamHarness } from '../fixtures/stream.ts';

const TABLE = `cleanup-redrive-test-${process.pid}`;
const MARKER_AGE_MS = CLEANUP_REDRIVE.markerAgeSeconds * 1000;
const MINUTE = 60_000;

let harness: Awaited<ReturnType<typeof streamHarness>>;
let mapping: LocalEventSourceMapping;
let handler: CleanupHandler;
const deadLetterFile = join(mkdtempSync(join(tmpdir(), 'dlq-')), 'cleanupApp.jsonl');
/** Every record the mapping delivered, to find an app's REMOVE record by its sequence number. */
const delivered: DynamoDBRecord[] = [];

/** The handler's clock: tests move it past the marker age instead of waiting. */
let clock: () => Date = () => new Date();
/** app_id → the wrapper fails every record of it before the real handler runs (a poison record). */
const poisoned = new Set<string>();
/** Collection PK → BatchWriteItems on it that may still succeed before every further one fails. */
const failingCollections = new Map<string, number>();
/** Every command the handler sent, in order. */
const sent: { name: string; input: Record<string, any> }[] = [];

/** The harness's client, recording the handler's commands and failing BatchWriteItems on demand. */
function faultyClient(inner: DynamoDBDocumentClient): DynamoDBDocumentClient {
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, any> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      if (command instanceof BatchWriteCommand) {
        const requests = Object.values(command.input.RequestItems ?? {}).flat();
        const pk = requests.map((r) => r.DeleteRequest?.Key?.PK).find((k) => failingCollections.has(String(k)));
        if (pk !== undefined) {
          const left = failingCollections.get(pk)!;
          if (left <= 0) throw new Error('injected: BatchWriteItem failed');
          failingCollections.set(pk, left - 1);
        }
      }
      return inner.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
}

beforeAll(async () => {
  harness = await streamHarness(TABLE);
  const doc = faultyClient(harness.doc);
  handler = cleanupHandler(new AppRepository(doc, TABLE), new CleanupMarkers(doc, TABLE), { now: () => clock() });
  mapping = startCleanupMapping({
    stream: harness.stream,
    handler,
    deadLetterFile,
    onBatch: (records) => delivered.push(...records),
    fails: (record) => poisoned.has(removedApp(record)?.app_id ?? ''),
  });
});

afterEach(() => {
  clock = () => new Date();
  failingCollections.clear();
});

afterAll(async () => {
  await mapping?.stop();
  await harness?.close();
});

const settled = () => settledMapping(mapping);

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const newAppId = () => Array.from({ length: 26 }, () => CROCKFORD[randomInt(32)]).join('');

interface SeededApp {
  tenant: string;
  appId: string;
  subdomain: string;
  domain: string;
  /** The literal keys, spelled out here rather than taken from keys.ts. */
  appKey: { PK: string; SK: string };
  collectionPk: string;
  markerKey: { PK: string; SK: string };
  claimKeys: { PK: string; SK: string }[];
  size: number;
}

/**
 * An app as the service leaves it, written item by item: claims, client record, `roles` role
 * assignments, the App item, and (as the delete transaction will) its marker dated `deletedAt`.
 */
async function seedApp(options: { roles: number; deletedAt?: Date }): Promise<SeededApp> {
  const tenant = `${uniqueTenant('rd')}#x`; // '#' and encoding: the literals must encode it as keys.ts does
  const appId = newAppId();
  const subdomain = uniqueLabel('rd');
  const domain = `${subdomain}.example.com`;
  const enc = encodeURIComponent(tenant);
  const collectionPk = `TENANT#${enc}#APP#${appId}`;
  const owner = { tenant_id: tenant, app_id: appId };
  const claimKeys = [
    { PK: `SUBDOMAIN#${subdomain}`, SK: 'CLAIM' },
    { PK: `DOMAIN#${domain}`, SK: 'CLAIM' },
  ];
  const items = [
    { ...claimKeys[0], entity: 'Claim', kind: 'subdomain', value: subdomain, ...owner, claimed_at: new Date().toISOString() },
    { ...claimKeys[1], entity: 'Claim', kind: 'custom_domain', value: domain, ...owner, claimed_at: new Date().toISOString() },
    { PK: collectionPk, SK: `CLIENT#client-${appId}`, entity: 'Client', ...owner, client_secret_hash: 'sha256:x' },
    ...Array.from({ length: options.roles }, (_, i) => ({
      PK: collectionPk,
      SK: `ROLE#role-${i}`,
      entity: 'RoleAssignment',
      ...owner,
      role_id: `role-${i}`,
      source: 'first_client',
    })),
  ];
  await batchWrite(
    harness.doc,
    TABLE,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
  const appKey = { PK: `TENANT#${enc}`, SK: `APP#${appId}` };
  const app = {
    ...owner,
    version: 1,
    app_name: 'redrive',
    client_id: `client-${appId}`,
    subdomain,
    custom_domain: { domain, status: 'pending', updated_at: new Date().toISOString() },
  };
  await harness.doc.send(new PutCommand({ TableName: TABLE, Item: { ...appKey, entity: 'App', ...app } }));
  if (options.deletedAt) {
    const marker = new CleanupMarkers(harness.doc, TABLE).markerItem(app, options.deletedAt);
    await harness.doc.send(new PutCommand({ TableName: TABLE, Item: marker }));
  }
  return {
    tenant,
    appId,
    subdomain,
    domain,
    appKey,
    collectionPk,
    claimKeys,
    size: options.roles + 1,
    markerKey: { PK: 'CLEANUP', SK: `TENANT#${enc}#APP#${appId}` },
  };
}

/** A delete of the App item alone (as another writer would; the REMOVE reaches the mapping): claims and collection stay. */
const deleteApp = (app: SeededApp) => harness.doc.send(new DeleteCommand({ TableName: TABLE, Key: app.appKey }));

async function collectionSize(app: SeededApp): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await harness.doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': app.collectionPk },
        Select: 'COUNT',
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

const read = async (key: { PK: string; SK: string }) =>
  (await harness.doc.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;
const sameKey = (a: { PK?: unknown; SK?: unknown } | undefined, b: { PK: string; SK: string }) => a?.PK === b.PK && a?.SK === b.SK;
const hasMarker = async (app: SeededApp) => (await read(app.markerKey)) !== undefined;
const claimsLeft = async (app: SeededApp) => (await Promise.all(app.claimKeys.map(read))).filter(Boolean).length;

let invocation = 0;
const redrive = (event: ScheduledEvent = scheduledEvent(CLEANUP_REDRIVE.name, clock())) =>
  handler(event, lambdaContext('cleanupApp', `redrive-${++invocation}`, 300_000));

/**
 * Whether the app's REMOVE record went to the on-failure destination after its retries: a message there
 * names its sequence number (the message holds coordinates only, never the app itself).
 */
function deadLettered(appId: string): boolean {
  const removal = delivered.find((record) => removedApp(record)?.app_id === appId);
  if (!removal) return false;
  const text = readFileSync(deadLetterFile, 'utf8');
  expect(text).not.toContain(appId);
  return readDeadLetters(deadLetterFile).some(
    (message) =>
      message.requestContext.condition === 'RetryAttemptsExhausted' &&
      message.requestContext.approximateInvokeCount === 6 &&
      covers(message, removal),
  );
}

describe('the cleanup marker', () => {
  it('is the item the delete transaction puts: the marker key, the claimed values, deleted_at', () => {
    const markers = new CleanupMarkers(harness.doc, TABLE);
    const at = new Date('2026-12-01T10:00:00.000Z');
    const app = { tenant_id: 'a#b', app_id: 'app1', subdomain: 'sub', custom_domain: { domain: 'x.example.com' } };
    expect(markers.markerItem(app, at)).toEqual({
      PK: 'CLEANUP',
      SK: 'TENANT#a%23b#APP#app1',
      entity: 'CleanupMarker',
      tenant_id: 'a#b',
      app_id: 'app1',
      subdomain: 'sub',
      custom_domain: { domain: 'x.example.com' },
      deleted_at: '2026-12-01T10:00:00.000Z',
    });
    expect(markers.markerItem({ tenant_id: 't', app_id: 'app2', subdomain: null }, at)).toEqual({
      PK: 'CLEANUP',
      SK: 'TENANT#t#APP#app2',
      entity: 'CleanupMarker',
      tenant_id: 't',
      app_id: 'app2',
      deleted_at: at.toISOString(),
    });
  });
});

describe('stream path', () => {
  it('removes the claims, the collection, and the marker last', async () => {
    const app = await seedApp({ roles: 60, deletedAt: new Date() });
    expect(await collectionSize(app)).toBe(61);
    const from = sent.length;
    await deleteApp(app);
    await settled();
    expect(await collectionSize(app)).toBe(0);
    expect(await claimsLeft(app)).toBe(0);
    expect(await hasMarker(app)).toBe(false);
    const ours = sent.slice(from);
    const markerDelete = ours.findIndex((c) => c.name === 'DeleteCommand' && sameKey(c.input.Key, app.markerKey));
    const lastBatch = ours.findLastIndex((c) => c.name === 'BatchWriteCommand');
    expect(markerDelete).toBeGreaterThan(lastBatch);
    expect(lastBatch).toBeGreaterThan(-1);
  });

  it('a failure before the end leaves the marker (and what was not yet removed) for the redrive', async () => {
    const app = await seedApp({ roles: 60, deletedAt: new Date() });
    failingCollections.set(app.collectionPk, 1); // the first 25 deletes go through, then every batch fails
    await deleteApp(app);
    await settled();
    expect(deadLettered(app.appId)).toBe(true);
    expect(await collectionSize(app)).toBe(36);
    expect(await claimsLeft(app)).toBe(0); // released before the collection
    expect(await hasMarker(app)).toBe(true);

    failingCollections.clear();
    clock = () => new Date(Date.now() + MARKER_AGE_MS + MINUTE);
    await redrive();
    expect(await collectionSize(app)).toBe(0);
    expect(await hasMarker(app)).toBe(false);
  });
});

describe('scheduled redrive', () => {
  it("after the service's own DELETE (one transaction), a cleanup failing past its retries is finished by the redrive", async () => {
    const service = new AppService(harness.repo);
    const who = { tenantId: uniqueTenant('svc'), subject: 's' };
    const subdomain = uniqueLabel('svc');
    const input = v.parse(CreateAppBody, {
      app_name: 'svc',
      subdomain,
      first_client: { name: 'c', redirect_uris: [], role_ids: ['r1', 'r2'] },
    });
    const { app } = await service.create(who, input);
    const seeded = {
      collectionPk: `TENANT#${who.tenantId}#APP#${app.app_id}`,
      markerKey: { PK: 'CLEANUP', SK: `TENANT#${who.tenantId}#APP#${app.app_id}` },
    } as SeededApp;
    poisoned.add(app.app_id);
    await service.delete(who, app.app_id);
    // The transaction freed the subdomain at once and left the marker; the stream cleanup then gives up.
    expect(await read({ PK: `SUBDOMAIN#${subdomain}`, SK: 'CLAIM' })).toBeUndefined();
    await settled();
    poisoned.delete(app.app_id);
    expect(deadLettered(app.app_id)).toBe(true);
    expect(await collectionSize(seeded)).toBe(3); // client record + 2 role assignments
    expect(await hasMarker(seeded)).toBe(true);

    clock = () => new Date(Date.now() + MARKER_AGE_MS + MINUTE);
    await redrive();
    expect(await collectionSize(seeded)).toBe(0);
    expect(await hasMarker(seeded)).toBe(false);
  });

  it('finishes an app whose cleanup failed past its retries: collection, claims and marker gone', async () => {
    const app = await seedApp({ roles: 30, deletedAt: new Date() });
    // Meanwhile another app took the custom domain: its claim is not this app's to release.
    const other = { ...app.claimKeys[1]!, entity: 'Claim', tenant_id: 'someone-else', app_id: 'other-app', claimed_at: 'x' };
    poisoned.add(app.appId);
    await deleteApp(app);
    await settled();
    poisoned.delete(app.appId);
    expect(deadLettered(app.appId)).toBe(true);
    expect(await collectionSize(app)).toBe(31);
    expect(await claimsLeft(app)).toBe(2);
    expect(await hasMarker(app)).toBe(true);
    await harness.doc.send(new PutCommand({ TableName: TABLE, Item: other }));

    // Not due yet: the stream may still be at it.
    const early = await redrive();
    expect(early.finished).toBe(0);
    expect(await collectionSize(app)).toBe(31);
    expect(await hasMarker(app)).toBe(true);

    clock = () => new Date(Date.now() + MARKER_AGE_MS + MINUTE);
    const from = sent.length;
    const summary = await redrive();
    expect(summary).toMatchObject({ failed: 0, stopped_early: false });
    expect(summary.finished).toBeGreaterThanOrEqual(1);
    expect(await collectionSize(app)).toBe(0);
    expect(await read(app.claimKeys[0]!)).toBeUndefined();
    expect(await read(app.claimKeys[1]!)).toMatchObject({ app_id: 'other-app' });
    expect(await hasMarker(app)).toBe(false);
    // The markers are found with a Query on their partition, never a Scan.
    const commands = sent.slice(from);
    expect(commands.map((c) => c.name)).not.toContain('ScanCommand');
    expect(commands.find((c) => c.input.ExpressionAttributeValues?.[':pk'] === 'CLEANUP')).toMatchObject({
      name: 'QueryCommand',
      input: {
        KeyConditionExpression: 'PK = :pk',
        FilterExpression: 'deleted_at < :cutoff',
        ExpressionAttributeValues: { ':pk': 'CLEANUP' },
      },
    });

    const again = await redrive();
    expect(again).toMatchObject({ failed: 0 });
    expect(await collectionSize(app)).toBe(0);
  });

  it('leaves a marker younger than the marker age alone', async () => {
    const now = new Date(Date.now() + 10 * MINUTE);
    clock = () => now;
    const at = (msAgo: number) => new Date(now.getTime() - msAgo);
    const due = await seedApp({ roles: 3, deletedAt: at(MARKER_AGE_MS + 1) });
    const exactlyAtAge = await seedApp({ roles: 3, deletedAt: at(MARKER_AGE_MS) });
    const young = await seedApp({ roles: 3, deletedAt: at(MARKER_AGE_MS - MINUTE) });
    // Their stream cleanup fails past its retries: only the redrive is left to finish them.
    for (const app of [due, exactlyAtAge, young]) poisoned.add(app.appId);
    for (const app of [due, exactlyAtAge, young]) await deleteApp(app);
    await settled();

    await redrive();
    expect(await collectionSize(due)).toBe(0);
    expect(await hasMarker(due)).toBe(false);
    for (const app of [exactlyAtAge, young]) {
      expect(await collectionSize(app)).toBe(4);
      expect(await claimsLeft(app)).toBe(2);
      expect(await hasMarker(app)).toBe(true);
    }
    for (const app of [due, exactlyAtAge, young]) poisoned.delete(app.appId);
  });

  it('never touches an app that exists again under a marked id; drops the marker', async () => {
    const app = await seedApp({ roles: 5, deletedAt: new Date() }); // App item left in place
    clock = () => new Date(Date.now() + MARKER_AGE_MS + MINUTE);
    const summary = await redrive();
    expect(summary.live_apps).toBeGreaterThanOrEqual(1);
    expect(await read(app.appKey)).toBeDefined();
    expect(await collectionSize(app)).toBe(6);
    expect(await claimsLeft(app)).toBe(2);
    expect(await hasMarker(app)).toBe(false);
  });

  it('a marker that fails stays for the next run; the others are finished; the run fails', async () => {
    const stuck = await seedApp({ roles: 30, deletedAt: new Date() });
    const fine = await seedApp({ roles: 30, deletedAt: new Date() });
    for (const app of [stuck, fine]) poisoned.add(app.appId);
    for (const app of [stuck, fine]) await deleteApp(app);
    await settled();
    failingCollections.set(stuck.collectionPk, 0);
    clock = () => new Date(Date.now() + MARKER_AGE_MS + MINUTE);

    await expect(redrive()).rejects.toThrow(/could not be finished/);
    expect(await collectionSize(fine)).toBe(0);
    expect(await hasMarker(fine)).toBe(false);
    expect(await hasMarker(stuck)).toBe(true);

    failingCollections.clear();
    await redrive();
    expect(await collectionSize(stuck)).toBe(0);
    expect(await hasMarker(stuck)).toBe(false);
    for (const app of [stuck, fine]) poisoned.delete(app.appId);
  });

  it('runs on the local schedule: the real handler gets a Scheduled Event', async () => {
    const app = await seedApp({ roles: 3, deletedAt: new Date() });
    poisoned.add(app.appId);
    await deleteApp(app);
    await settled();
    poisoned.delete(app.appId);
    clock = () => new Date(Date.now() + MARKER_AGE_MS + MINUTE);
    const schedule = new LocalSchedule({ name: CLEANUP_REDRIVE.name, functionName: 'cleanupApp', handler, rateMs: 20 }).start();
    try {
      const deadline = Date.now() + 20_000;
      while ((await hasMarker(app)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      await schedule.stop();
    }
    expect(schedule.invocations).toBeGreaterThanOrEqual(1);
    expect(await hasMarker(app)).toBe(false);
    expect(await collectionSize(app)).toBe(0);
  });

  it('refuses an event that is neither a stream batch nor a Scheduled Event', async () => {
    await expect(
      handler({ source: 'aws.events', 'detail-type': 'Something Else' } as never, lambdaContext('cleanupApp', 'x', 1000)),
    ).rejects.toThrow(/neither a stream batch nor a Scheduled Event/);
  });
});
