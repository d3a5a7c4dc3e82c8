/**
 * The local DynamoDB: dynalite on a private port, persisted under a folder (in memory without one),
 * behind the capture proxy that produces the change stream; the proxy is the endpoint everyone uses.
 * The table is created from the same key definition the CDK stack uses.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../../shared/db/table.ts';
import type { IamEnforcer } from './iam/enforcer.ts';
import { closeServer, listenOn } from './listen.ts';
import { CaptureProxy } from './stream/capture-proxy.ts';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface LocalDynamo {
  endpoint: string;
  port: number;
  capture: CaptureProxy;
  close(): Promise<void>;
}

export async function startLocalDynamo(options: {
  port: number;
  path?: string;
  streamFolder?: string;
  /** Intents and request tokens of TransactWriteItems (durable); in memory without one. */
  transactionFolder?: string;
  /** IAM on the endpoint (bundle mode: each function held to its role's policy); none in source mode. */
  iam?: IamEnforcer;
}): Promise<LocalDynamo> {
  const store = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const storePort = await listenOn(store, 0, 'the dynalite port');
  const storeUrl = `http://127.0.0.1:${storePort}`;
  const capture = new CaptureProxy(
    new URL(storeUrl),
    localDynamoClient(storeUrl),
    options.streamFolder,
    options.transactionFolder,
    options.iam,
  );
  const proxy = capture.createServer();
  try {
    // A transaction cut short by a kill is completed before anyone can read its items.
    const replayed = await capture.recover();
    if (replayed) console.warn(`DynamoDB: completed ${replayed} transaction(s) interrupted by the last stop`);
    const port = await listenOn(proxy, options.port, 'DYNAMODB_PORT');
    return {
      endpoint: `http://127.0.0.1:${port}`,
      port,
      capture,
      close: async () => {
        await closeServer(proxy);
        await closeServer(store);
      },
    };
  } catch (error) {
    await closeServer(store);
    throw error;
  }
}

/** dynalite checks for a SigV4 header but not the keys: any region and dummy credentials do. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localDynamoClient(endpoint);
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    const { partitionKey, sortKey } = TABLE_KEYS;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
          { AttributeName: sortKey.name, AttributeType: sortKey.type },
        ],
        KeySchema: [
          { AttributeName: partitionKey.name, KeyType: 'HASH' },
          { AttributeName: sortKey.name, KeyType: 'RANGE' },
        ],
      }),
    );
  } finally {
    client.destroy();
  }
}
