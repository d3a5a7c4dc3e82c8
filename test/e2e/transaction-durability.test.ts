/**
 * A local runtime SIGKILLed in the middle of a TransactWriteItems (test-only fault injection, after the
 * 2nd write reached the store) has all of the transaction or none of it after a restart on the same
 * DATA_DIR: here all of it, since the intent was durable before the first write; each stream record once.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, expect, it } from 'vitest';
import { ensureTable, localDynamoClient } from '../../infra/local/dynamodb.ts';
import { CaptureProxy } from '../../infra/local/stream/capture-proxy.ts';
import { ChangeStream } from '../../infra/local/stream/change-stream.ts';
import { IntentLog } from '../../infra/local/transactions/intent-log.ts';
import { type SpawnedRuntime, spawnRuntime } from '../fixtures/spawn-runtime.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { runtime } from '../fixtures/tokens.ts';

const TABLE = 'durable-transactions';
const dataDir = mkdtempSync(join(tmpdir(), 'mgmt-apps-tx-durability-'));
const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', DYNAMODB_PORT: '0', JWT_ISSUER: '', JWT_JWKS_FILE: '' };
const children: ChildProcess[] = [];
const folders = [dataDir];

async function start(extraEnv: Record<string, string> = {}): Promise<SpawnedRuntime> {
  const runtime = await spawnRuntime({ ...env, ...extraEnv });
  children.push(runtime.child);
  return runtime;
}

/** The signal that ended the process (null for a plain exit). */
const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode) resolve(child.signalCode);
    else child.once('exit', (_code, signal) => resolve(signal));
  });

/** No retries: a request cut off by the kill must not be resent to the restarted runtime by the SDK. */
const documentClient = (endpoint: string) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 }),
  );

/** The table's stream log on disk (no reader follows this table, so nothing is trimmed from it). */
const streamRecords = (): DynamoDBRecord[] =>
  readFileSync(join(dataDir, 'stream', `${TABLE}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DynamoDBRecord);

afterAll(() => {
  for (const child of children) if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

localOnly(NEEDS.ownRuntime).describe('a transaction cut short by SIGKILL', () => {
  it('is complete after a restart: every item in its after state, each stream record once, its token kept', {
    timeout: 90_000,
  }, async () => {
    const first = await start({ LOCAL_DYNAMODB_FAULT: 'kill-after-transaction-writes:2' });
    await ensureTable(first.dynamoEndpoint, TABLE);
    const before = documentClient(first.dynamoEndpoint);
    for (const SK of ['update', 'delete', 'check']) await before.send(new PutCommand({ TableName: TABLE, Item: { PK: 'tx', SK, n: 1 } }));
    const ONE = { ':one': 1 };
    const input: TransactWriteCommandInput = {
      ClientRequestToken: 'durable-token-1',
      TransactItems: [
        { Put: { TableName: TABLE, Item: { PK: 'tx', SK: 'put1', n: 1 } } },
        { Update: { TableName: TABLE, Key: { PK: 'tx', SK: 'update' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: ONE } },
        { Delete: { TableName: TABLE, Key: { PK: 'tx', SK: 'delete' } } },
        {
          ConditionCheck: {
            TableName: TABLE,
            Key: { PK: 'tx', SK: 'check' },
            ConditionExpression: 'n = :one',
            ExpressionAttributeValues: ONE,
          },
        },
        { Put: { TableName: TABLE, Item: { PK: 'tx', SK: 'put2', n: 2 } } },
      ],
    };
    await expect(before.send(new TransactWriteCommand(input))).rejects.toThrow();
    expect(await exited(first.child)).toBe('SIGKILL');
    const intentsAtKill = readdirSync(join(dataDir, 'transactions')).filter((name) => name.endsWith('.intent.json'));
    const recordsAtKill = streamRecords().map((r) => r.dynamodb?.Keys?.SK?.S);

    const second = await start();
    try {
      const after = documentClient(second.dynamoEndpoint);
      const item = async (SK: string) =>
        (await after.send(new GetCommand({ TableName: TABLE, Key: { PK: 'tx', SK }, ConsistentRead: true }))).Item;
      expect(await item('put1')).toEqual({ PK: 'tx', SK: 'put1', n: 1 });
      expect(await item('update')).toEqual({ PK: 'tx', SK: 'update', n: 2 });
      expect(await item('delete')).toBeUndefined();
      expect(await item('check')).toEqual({ PK: 'tx', SK: 'check', n: 1 });
      expect(await item('put2')).toEqual({ PK: 'tx', SK: 'put2', n: 2 });
      const records = streamRecords().slice(3);
      const written = records.map((r) => [r.eventName, r.dynamodb?.Keys?.SK?.S]);
      expect(written).toEqual([
        ['INSERT', 'put1'],
        ['MODIFY', 'update'],
        ['REMOVE', 'delete'],
        ['INSERT', 'put2'],
      ]);
      expect(records[1]?.dynamodb).toMatchObject({ OldImage: { n: { N: '1' } }, NewImage: { n: { N: '2' } } });
      expect(readdirSync(join(dataDir, 'transactions')).filter((name) => name.endsWith('.intent.json'))).toEqual([]);
      // The kill really came mid-way: the intent was left, no record of the transaction was appended yet.
      expect(intentsAtKill).toHaveLength(1);
      expect(recordsAtKill).toEqual(['update', 'delete', 'check']);
      expect(second.output()).toContain('completed 1 transaction(s) interrupted by the last stop');

      // The SDK's own retry of the cut-off request (same token) succeeds without applying it twice.
      await after.send(new TransactWriteCommand(input));
      expect(await item('update')).toEqual({ PK: 'tx', SK: 'update', n: 2 });
      expect(streamRecords()).toHaveLength(7);
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }

    // The token outlives this restart too (kept on disk, within DynamoDB's 10 minutes).
    const third = await start();
    try {
      const client = documentClient(third.dynamoEndpoint);
      await client.send(new TransactWriteCommand(input));
      const { Item } = await client.send(new GetCommand({ TableName: TABLE, Key: { PK: 'tx', SK: 'update' } }));
      expect(Item).toEqual({ PK: 'tx', SK: 'update', n: 2 });
    } finally {
      third.child.kill('SIGTERM');
      await exited(third.child);
    }
  });

  it('a replay appends only the stream records a kill kept it from appending', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'mgmt-apps-tx-replay-'));
    folders.push(folder);
    const table = `replay-${process.pid}`;
    const { dynamoEndpoint } = runtime();
    await ensureTable(dynamoEndpoint, table);
    const item = (SK: string) => ({ PK: { S: 'replay' }, SK: { S: SK } });
    const writes = ['a', 'b'].map((SK, i) => ({
      table,
      key: item(SK),
      after: { ...item(SK), n: { N: '1' } },
      eventID: `intent-1-${i}`,
      changed: true,
    }));
    new IntentLog(join(folder, 'transactions')).write({ id: 'intent-1', writes });
    // The kill came after the first record was appended.
    new ChangeStream(table, join(folder, 'stream')).append(item('a'), undefined, writes[0]!.after, 'intent-1-0');

    const client = localDynamoClient(dynamoEndpoint);
    const capture = new CaptureProxy(new URL(dynamoEndpoint), client, join(folder, 'stream'), join(folder, 'transactions'));
    expect(await capture.recover()).toBe(1);
    expect(
      capture
        .streamOf(table)
        .read(0, 10)
        .records.map((r) => r.eventID),
    ).toEqual(['intent-1-0', 'intent-1-1']);
    const { Item } = await DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: table, Key: { PK: 'replay', SK: 'b' } }));
    expect(Item).toEqual({ PK: 'replay', SK: 'b', n: 1 });
    expect(existsSync(join(folder, 'transactions', 'intent-1.intent.json'))).toBe(false);
    expect(await capture.recover()).toBe(0);
  });
});
