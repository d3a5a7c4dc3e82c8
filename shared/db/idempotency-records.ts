/**
 * Idempotency records of create (contract §8): `TENANT#<tid>#IDEM#<hash of the key>` / `IDEM`, with the
 * TTL attribute `expires_at`. Every write is conditional on the record the caller saw.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { applied } from './conditional.ts';
import { keys } from './keys.ts';

export interface IdempotencyRecord {
  state: 'pending' | 'done';
  request_hash: string;
  app_id: string;
  client_id: string;
  secret_sealed: string;
  result_sealed?: string;
  /** Epoch ms until which a pending request owns the key. */
  lease_until: number;
  /** Epoch seconds: the table's TTL attribute. */
  expires_at: number;
}

export class IdempotencyRecords {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Writes an idempotency record: a new one (`replacing` undefined), or in place of exactly the record
   * seen (a lapsed lease, an expired replay). False when someone else wrote first.
   */
  async put(
    tenantId: string, keyHash: string, record: IdempotencyRecord, replacing?: IdempotencyRecord,
  ): Promise<boolean> {
    return applied(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...record, ...keys.idempotency(tenantId, keyHash), entity: 'Idempotency' },
          ...(replacing
            ? {
                ConditionExpression: 'lease_until = :lease AND expires_at = :expires AND #state = :state',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':lease': replacing.lease_until, ':expires': replacing.expires_at, ':state': replacing.state },
              }
            : { ConditionExpression: 'attribute_not_exists(PK)' }),
        }),
      ),
    );
  }

  async get(tenantId: string, keyHash: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.idempotency(tenantId, keyHash), ConsistentRead: true }),
    );
    return Item as IdempotencyRecord | undefined;
  }

  async delete(tenantId: string, keyHash: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.idempotency(tenantId, keyHash) }));
  }
}
