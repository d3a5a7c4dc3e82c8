/**
 * The storage of apps: the App items and their collections (client record, role assignments), with
 * the claims and idempotency records as its parts. Together with keys.ts, the db/ folder is the only
 * code that knows the table's keys and items. Every write is a single-item conditional write (dynalite
 * has no transactions); the service orders them so that a crash between two writes leaves a state that
 * a later request repairs (README, "Crash safety").
 */
import {
  DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AppRecord } from '../model.ts';
import { batchWrite } from './batch-write.ts';
import { Claims } from './claims.ts';
import { applied, isConditionFailure } from './conditional.ts';
import { IdempotencyRecords } from './idempotency-records.ts';
import { keys } from './keys.ts';

const ITEM_ONLY_FIELDS = ['PK', 'SK', 'entity'] as const;

function toApp(item: Record<string, unknown>): AppRecord {
  const app = { ...item };
  for (const field of ITEM_ONLY_FIELDS) delete app[field];
  return app as AppRecord;
}

export class AppRepository {
  /** Subdomain and custom-domain claims: uniqueness across all tenants. */
  readonly claims: Claims;
  /** Idempotency records of create (contract §8), in the same table. */
  readonly idempotency: IdempotencyRecords;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.claims = new Claims(db, table, (tenantId, appId) => this.getApp(tenantId, appId));
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
    return this.putApp(app, 'attribute_not_exists(PK)');
  }

  /** Replaces the app if it is still at `expectedVersion`. False when another write got there first. */
  async replaceApp(app: AppRecord, expectedVersion: number): Promise<boolean> {
    return this.putApp(app, 'version = :expected', { ':expected': expectedVersion });
  }

  private putApp(app: AppRecord, condition: string, values?: Record<string, unknown>): Promise<boolean> {
    return applied(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...app, ...keys.app(app.tenant_id, app.app_id), entity: 'App' },
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
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
    for await (const items of this.collectionPages(tenantId, appId, { keysOnly: true })) {
      stats.calls++;
      await batchWrite(this.db, this.table, items.map((key) => ({ DeleteRequest: { Key: { PK: key.PK, SK: key.SK } } })), stats);
      removed += items.length;
    }
    return { removed, calls: stats.calls };
  }

  async listRoleAssignments(tenantId: string, appId: string): Promise<Record<string, unknown>[]> {
    return this.queryCollection(tenantId, appId, keys.ROLE_PREFIX);
  }

  private async queryCollection(tenantId: string, appId: string, prefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of this.collectionPages(tenantId, appId, { prefix })) items.push(...page);
    return items;
  }

  /**
   * The app's collection, one Query page at a time. `keysOnly` (the cleanup) reads big pages of keys;
   * otherwise whole items, strongly consistent (role sync reads what it just wrote).
   */
  private async *collectionPages(
    tenantId: string, appId: string, query: { prefix?: string; keysOnly?: boolean },
  ): AsyncGenerator<Record<string, unknown>[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: query.prefix ? 'PK = :pk AND begins_with(SK, :prefix)' : 'PK = :pk',
          ExpressionAttributeValues: {
            ':pk': keys.collection(tenantId, appId),
            ...(query.prefix ? { ':prefix': query.prefix } : {}),
          },
          ...(query.keysOnly ? { ProjectionExpression: 'PK, SK', Limit: 1_000 } : { ConsistentRead: true }),
          ExclusiveStartKey: startKey,
        }),
      );
      yield page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
