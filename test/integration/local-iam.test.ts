/**
 * IAM on the local DynamoDB endpoint: a local DynamoDB of this test's own (real dynalite behind the real
 * capture proxy) with an enforcer, called by real AWS SDK clients that sign with the access key ids the
 * policies are registered for. What is allowed goes through; what is denied gets DynamoDB's
 * AccessDeniedException once (no SDK retry), a log line, and changes nothing.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../infra/local/dynamodb.ts';
import { IamEnforcer } from '../../infra/local/iam/enforcer.ts';

const TABLE = 'iam-data';
const OTHER = 'iam-other';
// Written out, not built with the enforcer's helper: the ARNs a policy on AWS would name.
const TABLE_ARN = 'arn:aws:dynamodb:local:000000000000:table/iam-data';
const OTHER_ARN = 'arn:aws:dynamodb:local:000000000000:table/iam-other';
const INDEX_ARN = 'arn:aws:dynamodb:local:000000000000:table/iam-data/index/byOwner';

const allow = (Action: string | string[], Resource: string | string[]) => ({ Effect: 'Allow' as const, Action, Resource });
const deny = (Action: string | string[], Resource: string | string[]) => ({ Effect: 'Deny' as const, Action, Resource });

const POLICIES = {
  // updateApp's grant, as synthesized
  updateApp: {
    role: 'updateAppRole',
    statements: [allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'], [TABLE_ARN])],
  },
  // createApp's: puts in transactions, no update
  createApp: { role: 'createAppRole', statements: [allow(['dynamodb:GetItem', 'dynamodb:PutItem'], TABLE_ARN)] },
  everythingButDelete: { role: 'denyRole', statements: [allow('dynamodb:*', '*'), deny('dynamodb:DeleteItem', TABLE_ARN)] },
  getters: { role: 'wildRole', statements: [allow('dynamodb:Get*', 'arn:aws:dynamodb:*:*:table/iam-???a')] },
  tableQuery: { role: 'tableQueryRole', statements: [allow('dynamodb:Query', TABLE_ARN)] },
  indexQuery: { role: 'indexQueryRole', statements: [allow('dynamodb:Query', `${TABLE_ARN}/index/*`)] },
  batcher: { role: 'batchRole', statements: [allow(['dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem'], TABLE_ARN)] },
  nothing: { role: 'emptyRole', statements: [] },
};

let dynamo: LocalDynamo;
let admin: DynamoDBDocumentClient;
const denials: Record<string, unknown>[] = [];
const clients: DynamoDBClient[] = [];

function as(accessKeyId: string) {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId, secretAccessKey: 'any' } });
  clients.push(client);
  return DynamoDBDocumentClient.from(client);
}

beforeAll(async () => {
  const iam = new IamEnforcer({ policies: POLICIES, log: (line) => denials.push(line) });
  dynamo = await startLocalDynamo({ port: 0, iam });
  admin = as('local');
  const key = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  for (const table of [TABLE, OTHER]) {
    await admin.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [key('PK'), key('SK'), key('owner')],
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          { IndexName: 'byOwner', KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        ],
      }),
    );
  }
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynamo?.close();
});
beforeEach(() => {
  denials.length = 0;
});

const item = (PK: string, extra: Record<string, unknown> = {}) => ({ PK, SK: 'A', owner: 'o1', ...extra });
const read = async (PK: string, table = TABLE) => (await admin.send(new GetCommand({ TableName: table, Key: { PK, SK: 'A' } }))).Item;

/** The rejection of `send`, with the requests the endpoint received meanwhile; fails the test if it succeeded. */
async function rejected(send: () => Promise<unknown>) {
  const before = dynamo.capture.requestCounts();
  const error = await send().then(
    () => undefined,
    (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number; attempts?: number }; $retryable?: unknown },
  );
  expect(error, 'the request should have been denied').toBeDefined();
  return { error: error!, requests: dynamo.capture.requestCounts(before) };
}

describe('allowed', () => {
  it('an action its policy grants on the table goes through', async () => {
    const updateApp = as('updateApp');
    await updateApp.send(new PutCommand({ TableName: TABLE, Item: item('allowed-1', { n: 1 }) }));
    await updateApp.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { PK: 'allowed-1', SK: 'A' },
        UpdateExpression: 'SET n = :two',
        ExpressionAttributeValues: { ':two': 2 },
      }),
    );
    expect((await updateApp.send(new GetCommand({ TableName: TABLE, Key: { PK: 'allowed-1', SK: 'A' } }))).Item).toMatchObject({ n: 2 });
    expect(denials).toEqual([]);
  });

  it('a transaction whose every action is granted commits', async () => {
    await as('updateApp').send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: item('tx-ok-1') } },
          {
            Update: {
              TableName: TABLE,
              Key: { PK: 'allowed-1', SK: 'A' },
              UpdateExpression: 'SET n = :three',
              ExpressionAttributeValues: { ':three': 3 },
            },
          },
        ],
      }),
    );
    expect(await read('tx-ok-1')).toBeDefined();
    expect(await read('allowed-1')).toMatchObject({ n: 3 });
  });

  it('a key with no policy registered is unrestricted (the CLI, the tests, source mode)', async () => {
    const stranger = as('AKIASTRANGER');
    await stranger.send(new PutCommand({ TableName: OTHER, Item: item('stranger-1') }));
    await stranger.send(new DeleteCommand({ TableName: OTHER, Key: { PK: 'stranger-1', SK: 'A' } }));
    expect(await read('stranger-1', OTHER)).toBeUndefined();
  });
});

describe('denied', () => {
  it('an action missing from the grant: AccessDeniedException as DynamoDB sends it, once, logged, nothing written', async () => {
    const { error, requests } = await rejected(() =>
      as('createApp').send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { PK: 'denied-1', SK: 'A' },
          UpdateExpression: 'SET n = :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    );
    // Not retried: one attempt by the SDK's own account, one request received by the endpoint.
    expect(error.$metadata.attempts).toBe(1);
    expect(requests).toEqual({ UpdateItem: 1 });
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/createAppRole/createApp is not authorized to perform: dynamodb:UpdateItem ' +
        `on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:UpdateItem action`,
    );
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(await read('denied-1')).toBeUndefined();
    expect(denials).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'local DynamoDB: access denied',
        accessKeyId: 'createApp',
        action: 'dynamodb:UpdateItem',
        resource: TABLE_ARN,
      }),
    ]);
  });

  it('a transaction with one unpermitted action is denied whole: none of its actions is applied', async () => {
    await admin.send(new PutCommand({ TableName: TABLE, Item: item('tx-deny-kept', { n: 1 }) }));
    const { error, requests } = await rejected(() =>
      as('createApp').send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: item('tx-deny-new') } },
            { Delete: { TableName: TABLE, Key: { PK: 'tx-deny-kept', SK: 'A' } } },
          ],
        }),
      ),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('is not authorized to perform: dynamodb:DeleteItem on resource');
    expect(requests).toEqual({ TransactWriteItems: 1 });
    expect(await read('tx-deny-new')).toBeUndefined();
    expect(await read('tx-deny-kept')).toMatchObject({ n: 1 });
  });

  it('a ConditionCheck needs dynamodb:ConditionCheckItem, even beside granted actions', async () => {
    const { error } = await rejected(() =>
      as('updateApp').send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: item('tx-check-new') } },
            { ConditionCheck: { TableName: TABLE, Key: { PK: 'tx-deny-kept', SK: 'A' }, ConditionExpression: 'attribute_exists(PK)' } },
          ],
        }),
      ),
    );
    expect(error.message).toContain('dynamodb:ConditionCheckItem');
    expect(await read('tx-check-new')).toBeUndefined();
  });

  it('TransactGetItems needs GetItem on each table', async () => {
    const { error } = await rejected(() =>
      as('updateApp').send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: TABLE, Key: { PK: 'tx-deny-kept', SK: 'A' } } },
            { Get: { TableName: OTHER, Key: { PK: 'x', SK: 'A' } } },
          ],
        }),
      ),
    );
    expect(error.message).toContain(`dynamodb:GetItem on resource: ${OTHER_ARN} `);
  });

  it('a granted action on another table is denied (the resource is checked, not only the action)', async () => {
    const { error } = await rejected(() => as('updateApp').send(new PutCommand({ TableName: OTHER, Item: item('other-1') })));
    expect(error.message).toContain(`dynamodb:PutItem on resource: ${OTHER_ARN} because`);
    expect(await read('other-1', OTHER)).toBeUndefined();
  });

  it('an explicit Deny wins over an Allow that matches too', async () => {
    const key = as('everythingButDelete');
    await key.send(new PutCommand({ TableName: TABLE, Item: item('deny-wins') }));
    const { error } = await rejected(() => key.send(new DeleteCommand({ TableName: TABLE, Key: { PK: 'deny-wins', SK: 'A' } })));
    expect(error.message).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/denyRole/everythingButDelete is not authorized to perform: dynamodb:DeleteItem ' +
        `on resource: ${TABLE_ARN} with an explicit deny in an identity-based policy`,
    );
    expect(await read('deny-wins')).toBeDefined();
    // The Deny names one table: the same action elsewhere stays allowed.
    await key.send(new PutCommand({ TableName: OTHER, Item: item('deny-elsewhere') }));
    await key.send(new DeleteCommand({ TableName: OTHER, Key: { PK: 'deny-elsewhere', SK: 'A' } }));
  });

  it('a key registered with no statement may do nothing', async () => {
    const { error } = await rejected(() => as('nothing').send(new GetCommand({ TableName: TABLE, Key: { PK: 'x', SK: 'A' } })));
    expect(error.name).toBe('AccessDeniedException');
  });
});

describe('wildcards and resources', () => {
  it('action and resource wildcards (dynamodb:Get*, ? and * in the ARN)', async () => {
    await admin.send(new PutCommand({ TableName: TABLE, Item: item('wild-1') }));
    const getters = as('getters');
    expect((await getters.send(new GetCommand({ TableName: TABLE, Key: { PK: 'wild-1', SK: 'A' } }))).Item).toBeDefined();
    // `iam-???a` matches iam-data, not iam-other; Get* does not match PutItem.
    await rejected(() => getters.send(new GetCommand({ TableName: OTHER, Key: { PK: 'wild-1', SK: 'A' } })));
    const { error } = await rejected(() => getters.send(new PutCommand({ TableName: TABLE, Item: item('wild-2') })));
    expect(error.message).toContain('dynamodb:PutItem');
    expect(await read('wild-2')).toBeUndefined();
  });

  it('a Query on an index is authorized on the index ARN, not the table ARN', async () => {
    const query = (IndexName?: string) =>
      new QueryCommand({
        TableName: TABLE,
        ...(IndexName
          ? { IndexName, KeyConditionExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' } }
          : { KeyConditionExpression: 'PK = :o' }),
        ExpressionAttributeValues: { ':o': 'o1' },
      });
    await as('tableQuery').send(query());
    const onTable = await rejected(() => as('tableQuery').send(query('byOwner')));
    expect(onTable.error.message).toContain(`dynamodb:Query on resource: ${INDEX_ARN} because`);
    expect((await as('indexQuery').send(query('byOwner'))).Items?.length).toBeGreaterThan(0);
    await rejected(() => as('indexQuery').send(query()));
  });

  it('BatchWriteItem and BatchGetItem need their own action on every table of the batch', async () => {
    const batcher = as('batcher');
    await batcher.send(new BatchWriteCommand({ RequestItems: { [TABLE]: [{ PutRequest: { Item: item('batch-1') } }] } }));
    expect(await read('batch-1')).toBeDefined();
    const { error } = await rejected(() =>
      batcher.send(
        new BatchWriteCommand({
          RequestItems: { [TABLE]: [{ PutRequest: { Item: item('batch-2') } }], [OTHER]: [{ PutRequest: { Item: item('batch-2') } }] },
        }),
      ),
    );
    expect(error.message).toContain(`dynamodb:BatchWriteItem on resource: ${OTHER_ARN} because`);
    expect(await read('batch-2')).toBeUndefined();
    const got = await batcher.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: [{ PK: 'batch-1', SK: 'A' }] } } }));
    expect(got.Responses?.[TABLE]).toHaveLength(1);
    // PutItem alone does not grant a batch of puts.
    await rejected(() =>
      as('updateApp').send(new BatchWriteCommand({ RequestItems: { [TABLE]: [{ PutRequest: { Item: item('batch-3') } }] } })),
    );
    expect(await read('batch-3')).toBeUndefined();
  });
});
