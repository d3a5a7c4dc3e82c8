/**
 * The only module that knows the table's keys and items. Every write is a single-item conditional
 * write (dynalite has no transactions); the service orders them so that a crash between two writes
 * leaves a state that a later request repairs (README, "Crash safety").
 */
import {
  DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AppRecord } from '../model.ts';
import { batchWrite } from './batch-write.ts';
import { applied, isConditionFailure } from './conditional.ts';
import { IdempotencyRecords } from './idempotency-records.ts';
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

const ITEM_ONLY_FIELDS = ['PK', 'SK', 'entity'] as const;

function toApp(item: Record<string, unknown>): AppRecord {
  const app = { ...item };
  for (const field of ITEM_ONLY_FIELDS) delete app[field];
  return app as AppRecord;
}

export class AppRepository {
  /** Idempotency records of create (contract §8), in the same table. */
  readonly idempotency: IdempotencyRecords;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.idempotency = new IdempotencyRecords(db, table);
  }

  async getApp(tenantId: string, appId: string): Promise<AppRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.app(tenantId, appId), ConsistentRead: true }),
    );
    return Item ? toApp(Item) : undefined;
  }

  /** Apps of one tenant, oldest first, starting after `afterAppId`. Reads `limit + 1` to know if more exist. */
  async listApps(tenantId: string, limit: number, afterAppId?: string): Promise<{ apps: AppRecord[]; more: boolean }> {
    const apps: AppRecord[] = [];
    let startKey: Record<string, unknown> | undefined = afterAppId ? keys.app(tenantId, afterAppId) : undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.tenantApps(tenantId), ':prefix': keys.APP_PREFIX },
          ExclusiveStartKey: startKey,
          Limit: limit + 1 - apps.length,
          ConsistentRead: true,
        }),
      );
      apps.push(...(page.Items ?? []).map(toApp));
      startKey = page.LastEvaluatedKey;
    } while (startKey && apps.length <= limit);
    return { apps: apps.slice(0, limit), more: apps.length > limit };
  }

  /** Writes a new app. False if the id exists: only a retried idempotent create reuses an id. */
  async insertApp(app: AppRecord): Promise<boolean> {
    return applied(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...app, ...keys.app(app.tenant_id, app.app_id), entity: 'App' },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  /** Replaces the app if it is still at `expectedVersion`. False when another write got there first. */
  async replaceApp(app: AppRecord, expectedVersion: number): Promise<boolean> {
    return applied(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...app, ...keys.app(app.tenant_id, app.app_id), entity: 'App' },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      ),
    );
  }

  /** Deletes the app and returns what it was, or undefined when there was none. */
  async deleteApp(tenantId: string, appId: string): Promise<AppRecord | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.app(tenantId, appId),
          ConditionExpression: 'attribute_exists(PK)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? toApp(Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Claims `value` for the owner. True when the owner holds the claim afterwards (a fresh claim, its
   * own earlier claim, or a stale one taken over); false when another app holds it.
   */
  async claim(kind: ClaimKind, value: string, owner: ClaimOwner, now: Date, attempt = 1): Promise<boolean> {
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
    if (!held) return attempt < 3 && this.claim(kind, value, owner, now, attempt + 1);
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
    const owner = await this.getApp(String(held.tenant_id), String(held.app_id));
    if (!owner) return false;
    return kind === 'subdomain' ? owner.subdomain === value : owner.custom_domain?.domain === value;
  }

  /**
   * Releases the owner's claim. With `upToVersion`, only a claim made for that app version or an older
   * one: a concurrent update that claimed the value again for a newer version keeps it.
   */
  async releaseClaim(kind: ClaimKind, value: string, owner: Omit<ClaimOwner, 'appVersion'>, upToVersion?: number): Promise<void> {
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

  /**
   * A new app's collection in one BatchWriteItem per 25 items: the client record (the only place the
   * secret's hash is stored) and one role assignment per role id. Puts only, so a retried create
   * rewrites the same items.
   */
  async writeNewAppCollection(app: AppRecord, secretHash: string, roleIds: readonly string[], now: Date): Promise<void> {
    const client = {
      ...keys.client(app.tenant_id, app.app_id, app.client_id), entity: 'Client',
      tenant_id: app.tenant_id, app_id: app.app_id, client_id: app.client_id, client_secret_hash: secretHash,
      created_at: now.toISOString(),
    };
    const roles = roleIds.map((roleId) => this.roleAssignment(app, roleId, now));
    await batchWrite(this.db, this.table, [client, ...roles].map((Item) => ({ PutRequest: { Item } })));
  }

  private roleAssignment(app: AppRecord, roleId: string, now: Date) {
    return {
      ...keys.role(app.tenant_id, app.app_id, roleId), entity: 'RoleAssignment',
      tenant_id: app.tenant_id, app_id: app.app_id, client_id: app.client_id, role_id: roleId,
      source: 'first_client', assigned_at: now.toISOString(),
    };
  }

  /**
   * Makes the app's `first_client` role assignments equal `roleIds`. Assignments other services wrote
   * (another `source`) are left alone.
   */
  async syncFirstClientRoles(app: AppRecord, roleIds: readonly string[], now: Date): Promise<void> {
    const existing = await this.queryCollection(app.tenant_id, app.app_id, keys.ROLE_PREFIX);
    const ours = new Set(existing.filter((item) => item.source === 'first_client').map((item) => String(item.role_id)));
    const wanted = new Set(roleIds);
    const puts = [...wanted].filter((roleId) => !ours.has(roleId)).map((roleId) => ({
      PutRequest: { Item: this.roleAssignment(app, roleId, now) },
    }));
    const deletes = [...ours].filter((roleId) => !wanted.has(roleId)).map((roleId) => ({
      DeleteRequest: { Key: keys.role(app.tenant_id, app.app_id, roleId) },
    }));
    await batchWrite(this.db, this.table, [...puts, ...deletes]);
  }

  /**
   * Deletes every item of the app's collection (role assignments, client record, anything another
   * service wrote there), page by page, 25 per BatchWriteItem. Safe to repeat: a second run finds nothing.
   */
  async removeAppCollection(tenantId: string, appId: string): Promise<{ removed: number; calls: number }> {
    let removed = 0;
    const stats = { calls: 0 };
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': keys.collection(tenantId, appId) },
          ProjectionExpression: 'PK, SK',
          ExclusiveStartKey: startKey,
          Limit: 1_000,
        }),
      );
      stats.calls++;
      const items = page.Items ?? [];
      await batchWrite(this.db, this.table, items.map((key) => ({ DeleteRequest: { Key: { PK: key.PK, SK: key.SK } } })), stats);
      removed += items.length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { removed, calls: stats.calls };
  }

  async listRoleAssignments(tenantId: string, appId: string): Promise<Record<string, unknown>[]> {
    return this.queryCollection(tenantId, appId, keys.ROLE_PREFIX);
  }

  private async queryCollection(tenantId: string, appId: string, prefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.collection(tenantId, appId), ':prefix': prefix },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
