/**
 * Claims make `subdomain` and `custom_domain` unique across all tenants: one item per value
 * (`SUBDOMAIN#<name>` / `DOMAIN#<host>`, `CLAIM`) naming its owner app, written with a conditional put.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppRecord } from '../model.ts';
import { applied } from './conditional.ts';
import { keys, type ClaimKind } from './keys.ts';

export interface ClaimOwner {
  tenantId: string;
  appId: string;
  /** The app version that will name the claimed value: a release by an older version leaves it be. */
  appVersion: number;
}

/**
 * A claim whose owner does not (or no longer) name the value may be taken over, but only once it is
 * older than this: an owner that is still being created or updated must have time to write its app.
 * Well above the Lambda timeout (29 s at most behind API Gateway).
 */
export const CLAIM_GRACE_MS = 120_000;

export class Claims {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Reads an app, to judge whether a claim's owner still names the value. */
    private readonly readApp: (tenantId: string, appId: string) => Promise<AppRecord | undefined>,
  ) {}

  /**
   * Claims `value` for the owner. True when the owner holds the claim afterwards (a fresh claim, its
   * own earlier claim, or a stale one taken over); false when another app holds it.
   */
  async take(kind: ClaimKind, value: string, owner: ClaimOwner, now: Date, attempt = 1): Promise<boolean> {
    const key = keys.claim(kind, value);
    const item = {
      ...key, entity: 'Claim', kind, value,
      tenant_id: owner.tenantId, app_id: owner.appId, app_version: owner.appVersion, claimed_at: now.toISOString(),
    };
    const claimed = await applied(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK) OR (tenant_id = :tenant AND app_id = :app)',
          ExpressionAttributeValues: { ':tenant': owner.tenantId, ':app': owner.appId },
        }),
      ),
    );
    if (claimed) return true;
    const { Item: held } = await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    // Released in between: try again, a bounded number of times.
    if (!held) return attempt < 3 && this.take(kind, value, owner, now, attempt + 1);
    if (await this.claimIsLive(kind, value, held, now)) return false;
    // Take over only the exact claim judged stale; if it moved meanwhile, its new holder keeps it.
    return applied(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'tenant_id = :tenant AND app_id = :app AND claimed_at = :at',
          ExpressionAttributeValues: { ':tenant': held.tenant_id, ':app': held.app_id, ':at': held.claimed_at },
        }),
      ),
    );
  }

  private async claimIsLive(kind: ClaimKind, value: string, held: Record<string, unknown>, now: Date): Promise<boolean> {
    const claimedAt = Date.parse(String(held.claimed_at));
    if (!(now.getTime() - claimedAt >= CLAIM_GRACE_MS)) return true;
    const owner = await this.readApp(String(held.tenant_id), String(held.app_id));
    if (!owner) return false;
    return kind === 'subdomain' ? owner.subdomain === value : owner.custom_domain?.domain === value;
  }

  /**
   * Releases the owner's claim. With `upToVersion`, only a claim made for that app version or an older
   * one: a concurrent update that claimed the value again for a newer version keeps it.
   */
  async release(kind: ClaimKind, value: string, owner: Omit<ClaimOwner, 'appVersion'>, upToVersion?: number): Promise<void> {
    const versionCheck = upToVersion === undefined ? '' : ' AND app_version <= :version';
    // A failed condition means the claim is not ours (any more): nothing to release.
    await applied(
      this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.claim(kind, value),
          ConditionExpression: `tenant_id = :tenant AND app_id = :app${versionCheck}`,
          ExpressionAttributeValues: {
            ':tenant': owner.tenantId, ':app': owner.appId,
            ...(upToVersion === undefined ? {} : { ':version': upToVersion }),
          },
        }),
      ),
    );
  }
}
