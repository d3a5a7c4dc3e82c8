/**
 * The local DynamoDB endpoint refuses a key over DynamoDB's limits (partition key 2,048 bytes, sort key
 * 1,024) as DynamoDB does: a ValidationException, HTTP 400, its own JSON, not retried by the SDK. The
 * capture proxy reads an item's image before each write; that read used to fail on such a key and the
 * proxy answered 500, which the SDK retries and the service turns into 503 with Retry-After.
 */
import { BatchWriteItemCommand, DeleteItemCommand, type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/dynamodb.ts';
import { runtime } from '../fixtures/tokens.ts';

const TOO_LONG_PK = { S: `TENANT#${'%E6%BC%A2'.repeat(230)}` };
const TOO_LONG_SK = { S: `SK#${'x'.repeat(1022)}` };
const ITEM = { PK: TOO_LONG_PK, SK: { S: 'A' } };

type WriteCommand = PutItemCommand | DeleteItemCommand | UpdateItemCommand | BatchWriteItemCommand;

async function refusal(client: DynamoDBClient, command: WriteCommand) {
  const error = (await client.send(command as PutItemCommand).then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata: { httpStatusCode?: number; attempts?: number } } | undefined;
  expect(error, 'the write was accepted').toBeDefined();
  return error!;
}

describe('local DynamoDB: keys over the size limits', () => {
  const { dynamoEndpoint, tableName } = runtime();
  const client = localDynamoClient(dynamoEndpoint);
  const writes: [string, () => WriteCommand][] = [
    ['PutItem (partition key)', () => new PutItemCommand({ TableName: tableName, Item: ITEM })],
    ['PutItem (sort key)', () => new PutItemCommand({ TableName: tableName, Item: { PK: { S: 'P' }, SK: TOO_LONG_SK } })],
    ['DeleteItem', () => new DeleteItemCommand({ TableName: tableName, Key: ITEM })],
    [
      'UpdateItem',
      () =>
        new UpdateItemCommand({
          TableName: tableName,
          Key: ITEM,
          UpdateExpression: 'SET a = :a',
          ExpressionAttributeValues: { ':a': { S: 'x' } },
        }),
    ],
    ['BatchWriteItem', () => new BatchWriteItemCommand({ RequestItems: { [tableName]: [{ PutRequest: { Item: ITEM } }] } })],
  ];

  it.each(writes)('%s: ValidationException, HTTP 400, answered once (not a retryable 500)', async (_, command) => {
    const error = await refusal(client, command());
    expect(error.name).toBe('ValidationException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.$metadata.attempts).toBe(1);
    expect(error.message).toMatch(/^One or more parameter values were invalid: .*(hashkey|range keys).*(2048|1024) bytes$/);
  });

  it("is dynalite's own JSON error, as is", async () => {
    const body = JSON.stringify({ TableName: tableName, Item: ITEM });
    const res = await fetch(dynamoEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        'x-amz-date': '20250101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20250101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'com.amazon.coral.validate#ValidationException',
      message: 'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
    });
  });
});
