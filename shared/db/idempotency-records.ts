/**
 * Idempotency records of create (contract §8): `TENANT#<tid>#IDEM#<hash of the key>` / `IDEM`, with the
 * TTL attribute `expires_at`. A record is written in the same transaction as the app it answers for,
 * so there is never a record without its app, nor an app made under a key without its record.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import type { WriteAction } from './transaction.ts';

export interface IdempotencyRecord {
  request_hash: string;
  app_id: string;
  /** The original 201's app and secret, sealed under a key derived from the Idempotency-Key. */
  result_sealed: string;
  /** Epoch seconds: the table's TTL attribute. TTL deletes lag, so readers check it themselves. */
  expires_at: number;
}

/** Writes the record unless a live one holds the key (an expired one awaiting TTL deletion is replaced). */
export function putIdempotencyRecord(table: string, tenantId: string, keyHash: string, record: IdempotencyRecord, now: Date): WriteAction {
  return {
    Put: {
      TableName: table,
      Item: { ...record, ...keys.idempotency(tenantId, keyHash), entity: 'Idempotency' },
      ConditionExpression: 'attribute_not_exists(PK) OR expires_at <= :now',
      ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
    },
  };
}

export class IdempotencyRecords {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(tenantId: string, keyHash: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.idempotency(tenantId, keyHash), ConsistentRead: true }),
    );
    return Item as IdempotencyRecord | undefined;
  }
}
