/**
 * Claims make `subdomain` and `custom_domain` unique across all tenants: one item per value
 * (`SUBDOMAIN#<name>` / `DOMAIN#<host>`, `CLAIM`) naming its owner app. A claim is taken with
 * `attribute_not_exists` and released on the owner's name, always inside the same transaction that
 * writes the App, so a claim exists exactly while an App names its value.
 */
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { applied } from './conditional.ts';
import { type ClaimKind, keys } from './keys.ts';
import type { WriteAction } from './transaction.ts';

export interface ClaimOwner {
  tenantId: string;
  appId: string;
}

const OWNED_BY = 'tenant_id = :tenant AND app_id = :app';
const ownerValues = (owner: ClaimOwner) => ({ ':tenant': owner.tenantId, ':app': owner.appId });

/** Takes `value` for the owner; the transaction fails if anyone (the owner included) holds it. */
export function takeClaim(table: string, kind: ClaimKind, value: string, owner: ClaimOwner, now: Date): WriteAction {
  return {
    Put: {
      TableName: table,
      Item: {
        ...keys.claim(kind, value),
        entity: 'Claim',
        kind,
        value,
        tenant_id: owner.tenantId,
        app_id: owner.appId,
        claimed_at: now.toISOString(),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/** The delete of the owner's claim on `value`, conditioned on the owner. */
const releaseInput = (table: string, kind: ClaimKind, value: string, owner: ClaimOwner) => ({
  TableName: table,
  Key: keys.claim(kind, value),
  ConditionExpression: OWNED_BY,
  ExpressionAttributeValues: ownerValues(owner),
});

/** Releases the owner's claim on `value`; the transaction fails if the claim is not the owner's. */
export function releaseClaim(table: string, kind: ClaimKind, value: string, owner: ClaimOwner): WriteAction {
  return { Delete: releaseInput(table, kind, value, owner) };
}

export class Claims {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Releases the owner's claim on its own, outside a transaction: the cleanup uses it for an App removed
   * by another writer. A claim that is not (or no longer) the owner's is left alone.
   */
  async release(kind: ClaimKind, value: string, owner: ClaimOwner): Promise<void> {
    await applied(this.db.send(new DeleteCommand(releaseInput(this.table, kind, value, owner))));
  }
}
