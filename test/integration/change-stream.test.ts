/** The capture proxy: every write that reaches the table yields one DynamoDB Streams record. */
import { BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamHarness } from '../fixtures/stream.ts';

const TABLE = `stream-test-${process.pid}`;
let h: Awaited<ReturnType<typeof streamHarness>>;
beforeAll(async () => {
  h = await streamHarness(TABLE);
});
afterAll(() => h.close());

async function recordsOf(write: () => Promise<unknown>) {
  const position = h.stream.end;
  await write();
  return h.stream.read(position, 1000).records;
}

describe('capture proxy', () => {
  it('INSERT, MODIFY, REMOVE with keys, images and increasing sequence numbers', async () => {
    const key = { PK: 'item#1', SK: 'a' };
    const [insert] = await recordsOf(() => h.doc.send(new PutCommand({ TableName: TABLE, Item: { ...key, n: 1 } })));
    const [modify] = await recordsOf(() =>
      h.doc.send(new UpdateCommand({ TableName: TABLE, Key: key, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 2 } })),
    );
    const [remove] = await recordsOf(() => h.doc.send(new DeleteCommand({ TableName: TABLE, Key: key })));
    expect(insert).toMatchObject({
      eventName: 'INSERT',
      dynamodb: { Keys: { PK: { S: 'item#1' }, SK: { S: 'a' } }, NewImage: { n: { N: '1' } } },
    });
    expect(insert?.dynamodb).not.toHaveProperty('OldImage');
    expect(modify).toMatchObject({ eventName: 'MODIFY', dynamodb: { OldImage: { n: { N: '1' } }, NewImage: { n: { N: '2' } } } });
    expect(remove).toMatchObject({ eventName: 'REMOVE', dynamodb: { OldImage: { n: { N: '2' } } } });
    const sequence = [insert, modify, remove].map((r) => BigInt(r?.dynamodb?.SequenceNumber ?? '0'));
    expect(sequence[0]! < sequence[1]! && sequence[1]! < sequence[2]!).toBe(true);
  });

  it('no record for a failed conditional write, an unchanged put, or a delete of nothing', async () => {
    const key = { PK: 'item#2', SK: 'a' };
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { ...key, n: 1 } }));
    expect(
      await recordsOf(() =>
        h.doc
          .send(new PutCommand({ TableName: TABLE, Item: { ...key, n: 9 }, ConditionExpression: 'attribute_not_exists(PK)' }))
          .catch(() => undefined),
      ),
    ).toEqual([]);
    expect(await recordsOf(() => h.doc.send(new PutCommand({ TableName: TABLE, Item: { ...key, n: 1 } })))).toEqual([]);
    expect(await recordsOf(() => h.doc.send(new DeleteCommand({ TableName: TABLE, Key: { PK: 'nothing', SK: 'here' } })))).toEqual([]);
  });

  it("passes DynamoDB's own error through for a write to an unknown table", async () => {
    const write = h.doc.send(new PutCommand({ TableName: 'no-such-table', Item: { PK: 'a', SK: 'b' } }));
    await expect(write).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('one record per item of a BatchWriteItem', async () => {
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { PK: 'batch', SK: 'old' } }));
    const records = await recordsOf(() =>
      h.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [TABLE]: [
              { PutRequest: { Item: { PK: 'batch', SK: 'new1' } } },
              { PutRequest: { Item: { PK: 'batch', SK: 'new2' } } },
              { DeleteRequest: { Key: { PK: 'batch', SK: 'old' } } },
            ],
          },
        }),
      ),
    );
    expect(records.map((r) => [r.eventName, r.dynamodb?.Keys?.SK?.S])).toEqual([
      ['INSERT', 'new1'],
      ['INSERT', 'new2'],
      ['REMOVE', 'old'],
    ]);
  });

  it('keeps per-key order under concurrent writes: the images chain', async () => {
    const key = { PK: 'race', SK: 'x' };
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { ...key, n: 0 } }));
    const position = h.stream.end;
    await Promise.all(Array.from({ length: 20 }, (_, i) => h.doc.send(new PutCommand({ TableName: TABLE, Item: { ...key, n: i + 1 } }))));
    const records = h.stream.read(position, 100).records;
    expect(records).toHaveLength(20);
    for (let i = 1; i < records.length; i++) {
      expect(records[i]?.dynamodb?.OldImage?.n).toEqual(records[i - 1]?.dynamodb?.NewImage?.n);
    }
  });
});
