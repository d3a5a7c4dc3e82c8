/**
 * TransactWriteItems and TransactGetItems on the local DynamoDB endpoint (the capture proxy), through the
 * real AWS SDK and raw HTTP: all or nothing, DynamoDB's errors, request tokens, isolation, stream records.
 */
import { DynamoDBClient, TransactWriteItemsCommand, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/dynamodb.ts';
import { keys } from '../../shared/db/keys.ts';
import { collectionSize, testDb } from '../fixtures/db.ts';
import { streamHarness } from '../fixtures/stream.ts';

const TABLE = `transact-test-${process.pid}`;
type Actions = NonNullable<TransactWriteCommandInput['TransactItems']>;
type Key = { PK: string; SK: string };
let h: Awaited<ReturnType<typeof streamHarness>>;
beforeAll(async () => {
  h = await streamHarness(TABLE);
});
afterAll(() => h.close());

const key = (PK: string, SK: string): Key => ({ PK, SK });
const get = async (PK: string, SK: string) =>
  (await h.doc.send(new GetCommand({ TableName: TABLE, Key: key(PK, SK), ConsistentRead: true }))).Item;
const put = (item: Record<string, unknown>) => h.doc.send(new PutCommand({ TableName: TABLE, Item: item }));
const transact = (TransactItems: Actions, ClientRequestToken?: string) =>
  h.doc.send(new TransactWriteCommand({ TransactItems, ...(ClientRequestToken ? { ClientRequestToken } : {}) }));

// Actions in the document client's shape.
type Extra = Record<string, unknown>;
const putItem = (Item: Extra, extra: Extra = {}) => ({ Put: { TableName: TABLE, Item, ...extra } });
const update = (Key: Key, UpdateExpression: string, values: Extra = {}, extra: Extra = {}) => ({
  Update: {
    TableName: TABLE,
    Key,
    UpdateExpression,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
    ...extra,
  },
});
const remove = (Key: Extra, extra: Extra = {}) => ({ Delete: { TableName: TABLE, Key, ...extra } });
const check = (Key: Key, ConditionExpression: string, extra: Extra = {}) => ({
  ConditionCheck: { TableName: TABLE, Key, ConditionExpression, ...extra },
});
const increment = (PK: string, SK: string) => update(key(PK, SK), 'ADD n :one', { ':one': 1 });

// The same in DynamoDB's wire JSON, for the low-level client and raw HTTP.
const S = (value: string) => ({ S: value });
const wireKey = (PK: string, SK: string) => ({ PK: S(PK), SK: S(SK) });
const wireIncrement = (PK: string, SK: string) => ({
  Update: { TableName: TABLE, Key: wireKey(PK, SK), UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } },
});

async function recordsOf(write: () => Promise<unknown>) {
  const position = h.stream.end;
  await write();
  return h.stream.read(position, 1000).records;
}

/** What a failed send looks like to the caller (name, message, cancellation reasons); fails the test when it succeeded. */
async function failure(send: Promise<unknown>) {
  const error = await send.then(
    () => undefined,
    (e: unknown) => e as Error & { CancellationReasons?: unknown[] },
  );
  expect(error, 'the request should have failed').toBeDefined();
  return error!;
}

const CONDITION_FAILED = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
const CANCELLED = 'Transaction cancelled, please refer cancellation reasons for specific reasons';
const ONE_ITEM_TWICE = 'Transaction request cannot include multiple operations on one item';

describe('TransactWriteItems on the local endpoint', () => {
  it('applies Put, Update, Delete and ConditionCheck together, in ONE request, with one stream record per changed item', async () => {
    for (const SK of ['update', 'delete', 'check', 'same']) await put({ ...key('all', SK), n: 1 });
    await put({ ...key('all', 'reordered'), a: 1, b: 2 });
    const before = h.capture.requestCounts();
    const records = await recordsOf(() =>
      transact([
        putItem({ ...key('all', 'put'), n: 1 }, { ConditionExpression: 'attribute_not_exists(PK)' }),
        update(key('all', 'update'), 'SET n = n + :one, tag = :tag', { ':one': 1, ':tag': 't' }),
        remove(key('all', 'delete'), { ConditionExpression: 'n = :one', ExpressionAttributeValues: { ':one': 1 } }),
        check(key('all', 'check'), 'attribute_exists(PK)'),
        update(key('all', 'same'), 'SET n = :one', { ':one': 1 }),
        putItem({ b: 2, a: 1, ...key('all', 'reordered') }),
      ]),
    );
    expect(h.capture.requestCounts(before)).toEqual({ TransactWriteItems: 1 });

    expect(await get('all', 'put')).toEqual({ ...key('all', 'put'), n: 1 });
    expect(await get('all', 'update')).toEqual({ ...key('all', 'update'), n: 2, tag: 't' });
    expect(await get('all', 'delete')).toBeUndefined();
    expect(await get('all', 'check')).toEqual({ ...key('all', 'check'), n: 1 });
    // None for the ConditionCheck, none for the update and the put that left their items as they were.
    const written = records.map((r) => [r.eventName, r.dynamodb?.Keys?.SK?.S]);
    expect(written).toEqual([
      ['INSERT', 'put'],
      ['MODIFY', 'update'],
      ['REMOVE', 'delete'],
    ]);
    expect(records[1]?.dynamodb).toMatchObject({ OldImage: { n: { N: '1' } }, NewImage: { n: { N: '2' }, tag: { S: 't' } } });
    expect(records[2]?.dynamodb).toMatchObject({ OldImage: { n: { N: '1' } } });
    expect(records[2]?.dynamodb).not.toHaveProperty('NewImage');
    expect(new Set(records.map((r) => r.eventID)).size).toBe(3);
  });

  it('one failed condition (the last action) cancels all: reasons in action order, the ALL_OLD item, nothing applied', async () => {
    await put({ ...key('cancel', 'x'), n: 1 });
    await put({ ...key('cancel', 'guard'), n: 7 });
    const client = localDynamoClient(h.endpoint);
    const input: TransactWriteItemsCommandInput = {
      TransactItems: [
        { Put: { TableName: TABLE, Item: wireKey('cancel', 'new') } },
        wireIncrement('cancel', 'x'),
        {
          ConditionCheck: {
            TableName: TABLE,
            Key: wireKey('cancel', 'guard'),
            ConditionExpression: 'n = :zero',
            ExpressionAttributeValues: { ':zero': { N: '0' } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ],
    };
    const position = h.stream.end;
    const error = await failure(client.send(new TransactWriteItemsCommand(input)));
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.message).toBe(`${CANCELLED} [None, None, ConditionalCheckFailed]`);
    expect(error.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'None' },
      { ...CONDITION_FAILED, Item: { ...wireKey('cancel', 'guard'), n: { N: '7' } } },
    ]);
    expect(await get('cancel', 'new')).toBeUndefined();
    expect(await get('cancel', 'x')).toEqual({ ...key('cancel', 'x'), n: 1 });
    expect(h.stream.read(position, 100).records).toEqual([]);

    // Without ALL_OLD the reason carries no item; the first action failing cancels the rest too.
    const first = await failure(
      transact([putItem(key('cancel', 'x'), { ConditionExpression: 'attribute_not_exists(PK)' }), remove(key('cancel', 'guard'))]),
    );
    expect(first.CancellationReasons).toEqual([CONDITION_FAILED, { Code: 'None' }]);
    expect(await get('cancel', 'guard')).toEqual({ ...key('cancel', 'guard'), n: 7 });
    client.destroy();
  });

  it('rejects a request DynamoDB rejects, with its error, and applies nothing', async () => {
    const marker = putItem({ ...key('invalid', 'marker'), n: 1 });
    const cases: [Actions, string, RegExp][] = [
      [
        [marker, ...Array.from({ length: 100 }, (_, i) => increment('invalid', `i${i}`))],
        'ValidationException',
        /at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100/,
      ],
      [[marker, remove(key('invalid', 'marker'))], 'ValidationException', new RegExp(`^${ONE_ITEM_TWICE}$`)],
      [[], 'ValidationException', /Member must have length greater than or equal to 1/],
      [[marker, {}], 'ValidationException', /^TransactItems can only contain one of Check, Put, Update or Delete$/],
      [[marker, { ...increment('invalid', 'two'), ...remove(key('invalid', 'two')) }], 'ValidationException', /only contain one of/],
      [[marker, remove({ PK: 'invalid' })], 'ValidationException', /The provided key element does not match the schema/],
      [[marker, putItem({ PK: 'invalid' })], 'ValidationException', /Missing the key SK in the item/],
      [
        [marker, { ConditionCheck: { TableName: TABLE, Key: key('invalid', 'c') } } as never],
        'ValidationException',
        /conditionCheck\.conditionExpression' failed to satisfy constraint: Member must not be null/,
      ],
      [[marker, { Put: { TableName: 'no-such-table', Item: key('a', 'b') } }], 'ResourceNotFoundException', /not found/],
    ];
    const position = h.stream.end;
    for (const [actions, name, message] of cases) {
      const error = await failure(transact(actions));
      expect({ name: error.name, message: error.message }).toMatchObject({ name, message: expect.stringMatching(message) });
    }
    expect(await get('invalid', 'marker')).toBeUndefined();
    expect(await get('invalid', 'i0')).toBeUndefined();
    expect(h.stream.read(position, 100).records).toEqual([]);
  });

  it('a malformed expression, in any action, is a ValidationException and nothing is applied', async () => {
    const marker = putItem({ ...key('syntax', 'marker'), n: 1 });
    const cases: [Actions, RegExp][] = [
      [[marker, check(key('syntax', 'c'), 'attribute_exists(PK) AND')], /^Invalid ConditionExpression: Syntax error/],
      [[marker, update(key('syntax', 'u'), 'SET')], /^Invalid UpdateExpression: Syntax error/],
      [
        [marker, remove(key('syntax', 'd'), { ConditionExpression: 'n = :n', ExpressionAttributeValues: { ':n': 1, ':unused': 2 } })],
        /unused in expressions/,
      ],
      [[marker, putItem(key('syntax', 'p'), { ConditionExpression: '#missing = :n', ExpressionAttributeValues: { ':n': 1 } })], /#missing/],
    ];
    for (const [actions, message] of cases) {
      const error = await failure(transact(actions));
      expect(error.name).toBe('ValidationException');
      expect(error.message).toMatch(message);
    }
    expect(await get('syntax', 'marker')).toBeUndefined();
  });

  it('an action that cannot apply (wrong operand type, over 400 KB) cancels with a ValidationError reason', async () => {
    await put({ ...key('runtime', 'text'), n: 'text' });
    const marker = putItem(key('runtime', 'marker'));
    const reasonOf = async (action: Actions[number]) => (await failure(transact([marker, action]))).CancellationReasons;
    expect(await reasonOf(update(key('runtime', 'text'), 'SET n = n + :one', { ':one': 1 }))).toEqual([
      { Code: 'None' },
      { Code: 'ValidationError', Message: 'An operand in the update expression has an incorrect data type' },
    ]);
    expect((await reasonOf(update(key('runtime', 'big'), 'SET s = :s', { ':s': 'x'.repeat(410_000) })))?.[1]).toEqual({
      Code: 'ValidationError',
      Message: 'Item size to update has exceeded the maximum allowed size',
    });
    expect((await reasonOf(putItem({ ...key('runtime', 'big'), s: 'x'.repeat(410_000) })))?.[1]).toEqual({
      Code: 'ValidationError',
      Message: 'Item size has exceeded the maximum allowed size',
    });
    expect(await get('runtime', 'marker')).toBeUndefined();
    expect(await get('runtime', 'big')).toBeUndefined();
  });

  it('ClientRequestToken: the same request twice applies once; another request with it: IdempotentParameterMismatchException', async () => {
    const token = `token-${process.pid}-once`;
    await transact([increment('token', 'once')], token);
    await transact([increment('token', 'once')], token);
    expect(await get('token', 'once')).toMatchObject({ n: 1 });
    const mismatch = await failure(transact([increment('token', 'other')], token));
    expect(mismatch.name).toBe('IdempotentParameterMismatchException');
    expect(await get('token', 'other')).toBeUndefined();
    // Without a token (raw callers may omit it) every send applies.
    await rawCall('TransactWriteItems', { TransactItems: [wireIncrement('token', 'none')] });
    await rawCall('TransactWriteItems', { TransactItems: [wireIncrement('token', 'none')] });
    expect(await get('token', 'none')).toMatchObject({ n: 2 });
  });

  it('ClientRequestToken: a send while the first runs is TransactionInProgressException (the SDK retries it: applied once)', async () => {
    const token = `token-${process.pid}-running`;
    const body = { TransactItems: Array.from({ length: 100 }, (_, i) => wireIncrement('running', `i${i}`)), ClientRequestToken: token };
    const [first, second] = await Promise.allSettled([
      rawCall('TransactWriteItems', body),
      new Promise((resolve) => setTimeout(resolve, 5)).then(() => rawCall('TransactWriteItems', body)),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { status: 200 } });
    const inProgress = { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#TransactionInProgressException' } };
    expect(second).toMatchObject({ status: 'fulfilled', value: inProgress });
    expect(await get('running', 'i99')).toMatchObject({ n: 1 });
    // The SDK treats it as a retryable throttle and resends with the same token: both succeed, applied once.
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const client = new DynamoDBClient({ endpoint: h.endpoint, region: 'local', credentials, maxAttempts: 10 });
    const doc = DynamoDBDocumentClient.from(client);
    const actions = Array.from({ length: 10 }, (_, i) => increment('running', `i${i}`));
    const send = () => doc.send(new TransactWriteCommand({ TransactItems: actions, ClientRequestToken: `token-${process.pid}-sdk` }));
    await Promise.all([send(), send()]);
    expect(await get('running', 'i0')).toMatchObject({ n: 2 });
    expect(await get('running', 'i99')).toMatchObject({ n: 1 });
    client.destroy();
  });

  it('GetItem is serializable with transactions, TransactGetItems never sees half of one (concurrent moves between two items)', {
    timeout: 60_000,
  }, async () => {
    await put({ ...key('move', 'a'), n: 100, v: 0 });
    await put({ ...key('move', 'b'), n: 0, v: 0 });
    const MOVES = 40;
    let writing = true;
    const pairs: [number, number][] = [];
    const torn: unknown[] = [];
    const reader = async () => {
      while (writing) {
        const a = await get('move', 'a');
        const b = await get('move', 'b');
        pairs.push([a?.v as number, b?.v as number]);
        // Every move increments both: having seen move k on `a`, a later read of `b` must see it too.
        if ((b?.v as number) < (a?.v as number)) torn.push({ a, b });
      }
    };
    const transactReader = async () => {
      while (writing) {
        const { Responses = [] } = await h.doc.send(
          new TransactGetCommand({
            TransactItems: [{ Get: { TableName: TABLE, Key: key('move', 'a') } }, { Get: { TableName: TABLE, Key: key('move', 'b') } }],
          }),
        );
        const [a, b] = Responses.map((r) => r.Item);
        if (a?.v !== b?.v || (a?.n as number) + (b?.n as number) !== 100) torn.push({ a, b, transactGet: true });
      }
    };
    const readers = [reader(), reader(), reader(), transactReader()];
    const move = () =>
      transact([
        update(key('move', 'a'), 'SET n = n - :one ADD v :one', { ':one': 1 }, { ConditionExpression: 'n >= :one' }),
        update(key('move', 'b'), 'SET n = n + :one ADD v :one', { ':one': 1 }),
      ]);
    // Four movers, each one move at a time: the locks queue readers between the moves, not after all of them.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < MOVES / 4; i++) await move();
      }),
    );
    writing = false;
    await Promise.all(readers);
    expect(torn).toEqual([]);
    expect(pairs.some(([a]) => a > 0 && a < MOVES)).toBe(true); // the readers did run during the moves
    expect(await get('move', 'a')).toMatchObject({ n: 100 - MOVES, v: MOVES });
    expect(await get('move', 'b')).toMatchObject({ n: MOVES, v: MOVES });
  });

  it('Query never returns a value of a cancelled transaction', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 10; i++) await put({ ...key('query', `i${i}`), state: 'committed' });
    await put({ ...key('query-guard', 'g'), n: 1 });
    let writing = true;
    const seen = new Set<string>();
    const query = new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'query' } });
    const queries = Array.from({ length: 3 }, async () => {
      while (writing) for (const item of (await h.doc.send(query)).Items ?? []) seen.add(item.state as string);
    });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        transact([
          ...Array.from({ length: 10 }, (_, i) => putItem({ ...key('query', `i${i}`), state: 'cancelled' })),
          check(key('query-guard', 'g'), 'attribute_not_exists(PK)'),
        ]),
      ),
    );
    writing = false;
    await Promise.all(queries);
    expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).name === 'TransactionCanceledException')).toBe(true);
    expect([...seen]).toEqual(['committed']);
  });

  it("raw HTTP with a SigV4-looking header works, errors come in DynamoDB's JSON format, a request without one is refused", async () => {
    const item = { ...wireKey('raw', '1'), n: { N: '1' } };
    const ok = await rawCall('TransactWriteItems', { TransactItems: [{ Put: { TableName: TABLE, Item: item } }] });
    expect(ok).toEqual({ status: 200, body: {} });
    const duplicate = await rawCall('TransactWriteItems', {
      TransactItems: [
        { Delete: { TableName: TABLE, Key: wireKey('raw', '1') } },
        { Delete: { TableName: TABLE, Key: { SK: S('1'), PK: S('raw') } } },
      ],
    });
    expect(duplicate).toEqual({
      status: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: ONE_ITEM_TWICE },
    });
    const cancelled = await rawCall('TransactWriteItems', {
      TransactItems: [{ ConditionCheck: { TableName: TABLE, Key: wireKey('raw', '1'), ConditionExpression: 'attribute_not_exists(PK)' } }],
    });
    expect(cancelled.body).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      Message: `${CANCELLED} [ConditionalCheckFailed]`,
      CancellationReasons: [CONDITION_FAILED],
    });
    const serialization = { status: 400, body: { __type: 'com.amazon.coral.service#SerializationException' } };
    expect(await rawCall('TransactWriteItems', '{not json')).toMatchObject(serialization);
    const got = await rawCall('TransactGetItems', { TransactItems: [{ Get: { TableName: TABLE, Key: wireKey('raw', '1') } }] });
    expect(got).toEqual({ status: 200, body: { Responses: [{ Item: item }] } });
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems' };
    const anonymous = await fetch(h.endpoint, { method: 'POST', headers, body: '{}' });
    expect(anonymous.status).toBe(400);
    expect(await anonymous.json()).toMatchObject({ __type: 'com.amazon.coral.service#MissingAuthenticationTokenException' });
  });

  it('TransactGetItems: responses in order, {} for a missing item, ProjectionExpression applied; one item twice rejected', async () => {
    await put({ ...key('tget', 'a'), n: 1, nested: { keep: 1, drop: 2 }, other: 'x' });
    await put({ ...key('tget', 'b'), n: 2 });
    const NAMES = { '#n': 'n' };
    const { Responses } = await h.doc.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: TABLE, Key: key('tget', 'b') } },
          { Get: { TableName: TABLE, Key: key('tget', 'missing') } },
          {
            Get: { TableName: TABLE, Key: key('tget', 'a'), ProjectionExpression: '#n, nested.keep', ExpressionAttributeNames: NAMES },
          },
        ],
      }),
    );
    expect(Responses).toEqual([{ Item: { ...key('tget', 'b'), n: 2 } }, {}, { Item: { n: 1, nested: { keep: 1 } } }]);
    const twice = await failure(
      h.doc.send(
        new TransactGetCommand({
          TransactItems: [{ Get: { TableName: TABLE, Key: key('tget', 'a') } }, { Get: { TableName: TABLE, Key: key('tget', 'a') } }],
        }),
      ),
    );
    expect(twice.name).toBe('ValidationException');
  });

  it("deleting an App item in a transaction triggers the runtime's cleanup, like any other delete", { timeout: 60_000 }, async () => {
    const { doc, tableName } = testDb();
    const tenant = `tx-${process.pid}-${Date.now().toString(36)}`;
    const appId = 'app-in-transaction';
    const app = { ...keys.app(tenant, appId), entity: 'App', tenant_id: tenant, app_id: appId };
    await doc.send(new PutCommand({ TableName: tableName, Item: app }));
    for (const role of ['r1', 'r2']) {
      await doc.send(new PutCommand({ TableName: tableName, Item: { ...keys.role(tenant, appId, role), entity: 'RoleAssignment' } }));
    }
    expect(await collectionSize(doc, tableName, tenant, appId)).toBe(2);

    const removal = { Delete: { TableName: tableName, Key: keys.app(tenant, appId), ConditionExpression: 'attribute_exists(PK)' } };
    await doc.send(new TransactWriteCommand({ TransactItems: [removal] }));
    const deadline = Date.now() + 30_000;
    while ((await collectionSize(doc, tableName, tenant, appId)) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await collectionSize(doc, tableName, tenant, appId)).toBe(0);
    await doc.send(new DeleteCommand({ TableName: tableName, Key: keys.app(tenant, appId) }));
  });
});

/** A request as any HTTP client sends it: JSON, the target header and a SigV4-looking Authorization (like the SDK's with dummy keys). */
async function rawCall(operation: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(h.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': '20260101T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
