/**
 * The storage of apps: the App items and their collections (client record, role assignments), with
 * the claims and idempotency records as its parts. Together with keys.ts, the db/ folder is the only
 * code that knows the table's keys and items.
 *
 * Every change of an app is ONE TransactWriteItems, so there is no state between steps to repair:
 *   create: claims (`attribute_not_exists`) + client record + role assignments + App (+ idempotency record)
 *   update: App (on the version read) + new claims + releases of old ones (on ownership) + role changes
 *   delete: App (on the version read) + releases of its claims + a cleanup marker
 *   add / delete a client secret: App (on the version read) + the secret's hash in the client record
 * Each conditioned action is named (`WriteCondition`), and a cancelled transaction says which failed.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppRecord } from '../model.ts';
import { batchWrite } from './batch-write.ts';
import { Claims, releaseClaim, takeClaim } from './claims.ts';
import { CleanupMarkers } from './cleanup-markers.ts';
import { addSecretHash, putClientRecord, removeSecretHash, type SecretHash } from './client-record.ts';
import { type IdempotencyRecord, IdempotencyRecords, putIdempotencyRecord } from './idempotency-records.ts';
import { type ClaimKind, keys } from './keys.ts';
import { type NamedAction, transactWrite, type WriteAction } from './transaction.ts';

/** What a cancelled transaction can name. */
export type WriteCondition = 'app' | `claim:${ClaimKind}` | `release:${ClaimKind}` | 'idempotency';

export type ClaimedValues = Partial<Record<ClaimKind, string>>;

export interface NewApp {
  app: AppRecord;
  /** The first client secret's hash (its id and date are the App's `client_secrets[0]`). */
  secret: SecretHash;
  roleIds: readonly string[];
  now: Date;
  idempotency?: { keyHash: string; record: IdempotencyRecord };
}

export interface AppChange {
  next: AppRecord;
  /** The version the change was made from: the App is written only if it is still at it. */
  expectedVersion: number;
  claim: ClaimedValues;
  release: ClaimedValues;
  roles: { add: readonly string[]; remove: readonly string[] };
  now: Date;
}

/** Which page of a tenant's apps to read (contract §5). */
export interface ListPageRequest {
  limit: number;
  /** The last app of the previous page. */
  after?: string;
  /** Whether the page still has room for this app; asked once per app, in order, until it refuses. */
  fits?: (app: AppRecord) => boolean;
}

/** A client secret added or retired: the App's new state and the one hash that changes with it. */
export interface SecretChange {
  next: AppRecord;
  expectedVersion: number;
  secret: { add: SecretHash } | { remove: string };
}

const ITEM_ONLY_FIELDS = ['PK', 'SK', 'entity'] as const;

function toApp(item: Record<string, unknown>): AppRecord {
  const app = { ...item };
  for (const field of ITEM_ONLY_FIELDS) delete app[field];
  return app as AppRecord;
}

export function claimedEntries(values: ClaimedValues): [ClaimKind, string][] {
  return (Object.entries(values) as [ClaimKind, string | undefined][]).filter(
    (entry): entry is [ClaimKind, string] => entry[1] !== undefined,
  );
}

export class AppRepository {
  /** Subdomain and custom-domain claims, for the cleanup of Apps removed outside the service. */
  readonly claims: Claims;
  /** Idempotency records of create (contract §8), in the same table. */
  readonly idempotency: IdempotencyRecords;
  /** Markers of deleted apps whose cleanup is not finished (written by the delete's transaction). */
  readonly cleanupMarkers: CleanupMarkers;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.claims = new Claims(db, table);
    this.idempotency = new IdempotencyRecords(db, table);
    this.cleanupMarkers = new CleanupMarkers(db, table);
  }

  async getApp(tenantId: string, appId: string): Promise<AppRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.app(tenantId, appId), ConsistentRead: true }));
    return Item ? toApp(Item) : undefined;
  }

  /**
   * One page of a tenant's apps, oldest first, after `after`: at most `limit`, and ending before the
   * first app `fits` refuses (the HTTP layer's byte budget). `more` says whether apps follow the last
   * one returned, which is where the next page starts: an app read but not taken is not skipped.
   * Reading stops as soon as the page ends, so a page of large apps costs only the Query pages (1 MB
   * each) it needs, not `limit` apps' worth.
   */
  async listApps(tenantId: string, { limit, after, fits = () => true }: ListPageRequest): Promise<{ apps: AppRecord[]; more: boolean }> {
    const apps: AppRecord[] = [];
    let startKey: Record<string, unknown> | undefined = after ? keys.app(tenantId, after) : undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.tenantApps(tenantId), ':prefix': keys.APP_PREFIX },
          ExclusiveStartKey: startKey,
          // One more than the page holds: when it exists, there are more.
          Limit: limit + 1 - apps.length,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) {
        const app = toApp(item);
        if (apps.length === limit || !fits(app)) return { apps, more: true };
        apps.push(app);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { apps, more: false };
  }

  /** A new app with everything it owns, in one transaction. */
  async createApp({ app, secret, roleIds, now, idempotency }: NewApp): Promise<void> {
    const owner = { tenantId: app.tenant_id, appId: app.app_id };
    await transactWrite<WriteCondition>(this.db, [
      ...claimedEntries(claimedValuesOf(app)).map(([kind, value]) => ({
        name: `claim:${kind}` as const,
        action: takeClaim(this.table, kind, value, owner, now),
      })),
      { action: putClientRecord(this.table, app, secret) },
      ...roleIds.map((roleId) => ({ action: this.putRole(app, roleId, now) })),
      { name: 'app', action: this.putApp(app, 'attribute_not_exists(PK)') },
      ...(idempotency
        ? [
            {
              name: 'idempotency' as const,
              action: putIdempotencyRecord(this.table, app.tenant_id, idempotency.keyHash, idempotency.record, now),
            },
          ]
        : []),
    ]);
  }

  /** How many actions `updateApp` would send for this change (DynamoDB allows 100). */
  static changeSize(change: Pick<AppChange, 'claim' | 'release' | 'roles'>): number {
    return (
      1 + claimedEntries(change.claim).length + claimedEntries(change.release).length + change.roles.add.length + change.roles.remove.length
    );
  }

  /** The app's new state with its claim moves and role changes, in one transaction. */
  async updateApp({ next, expectedVersion, claim, release, roles, now }: AppChange): Promise<void> {
    const owner = { tenantId: next.tenant_id, appId: next.app_id };
    await transactWrite<WriteCondition>(this.db, [
      { name: 'app', action: this.putApp(next, 'version = :expected', { ':expected': expectedVersion }) },
      ...claimedEntries(claim).map(([kind, value]) => ({
        name: `claim:${kind}` as const,
        action: takeClaim(this.table, kind, value, owner, now),
      })),
      ...claimedEntries(release).map(([kind, value]) => ({
        name: `release:${kind}` as const,
        action: releaseClaim(this.table, kind, value, owner),
      })),
      ...roles.add.map((roleId) => ({ action: this.putRole(next, roleId, now) })),
      ...roles.remove.map((roleId) => ({
        action: { Delete: { TableName: this.table, Key: keys.role(next.tenant_id, next.app_id, roleId) } },
      })),
    ]);
  }

  /** The App at its new version with one client secret's hash added to or removed from the client record. */
  async changeClientSecret({ next, expectedVersion, secret }: SecretChange): Promise<void> {
    await transactWrite<WriteCondition>(this.db, [
      { name: 'app', action: this.putApp(next, 'version = :expected', { ':expected': expectedVersion }) },
      { action: 'add' in secret ? addSecretHash(this.table, next, secret.add) : removeSecretHash(this.table, next, secret.remove) },
    ]);
  }

  /**
   * Deletes the app (if still at the version read) with its claims, and leaves a cleanup marker that
   * the stream-driven cleanup removes last, or the scheduled redrive finishes (README, "Delete").
   */
  async deleteApp(app: AppRecord, release: ClaimedValues, now: Date): Promise<void> {
    const owner = { tenantId: app.tenant_id, appId: app.app_id };
    await transactWrite<WriteCondition>(this.db, [
      {
        name: 'app',
        action: {
          Delete: {
            TableName: this.table,
            Key: keys.app(app.tenant_id, app.app_id),
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': app.version },
          },
        },
      },
      ...claimedEntries(release).map(([kind, value]) => ({
        name: `release:${kind}` as const,
        action: releaseClaim(this.table, kind, value, owner),
      })),
      { action: { Put: { TableName: this.table, Item: this.cleanupMarkers.markerItem(app, now) } } },
    ] satisfies NamedAction<WriteCondition>[]);
  }

  private putApp(app: AppRecord, condition: string, values?: Record<string, unknown>): WriteAction {
    return {
      Put: {
        TableName: this.table,
        Item: { ...app, ...keys.app(app.tenant_id, app.app_id), entity: 'App' },
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      },
    };
  }

  /** A role assignment of the app's first client (the storage contract in the README). */
  private putRole(app: AppRecord, roleId: string, now: Date): WriteAction {
    return {
      Put: {
        TableName: this.table,
        Item: {
          ...keys.role(app.tenant_id, app.app_id, roleId),
          entity: 'RoleAssignment',
          tenant_id: app.tenant_id,
          app_id: app.app_id,
          client_id: app.client_id,
          role_id: roleId,
          source: 'first_client',
          assigned_at: now.toISOString(),
        },
      },
    };
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
          Limit: 1_000,
          ExclusiveStartKey: startKey,
        }),
      );
      stats.calls++;
      const items = page.Items ?? [];
      await batchWrite(
        this.db,
        this.table,
        items.map((key) => ({ DeleteRequest: { Key: { PK: key.PK, SK: key.SK } } })),
        stats,
      );
      removed += items.length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { removed, calls: stats.calls };
  }
}

/** The values an app holds claims on. */
export const claimedValuesOf = (app: Pick<AppRecord, 'subdomain' | 'custom_domain'>): ClaimedValues => ({
  subdomain: app.subdomain,
  custom_domain: app.custom_domain?.domain,
});
