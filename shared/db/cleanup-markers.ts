/**
 * Cleanup markers: one item per deleted app whose collection the cleanup has not finished yet. The
 * delete writes it in the same transaction that removes the App (`markerItem`); the cleanup removes it
 * LAST, after the claims and the collection, so a marker outlives any cleanup that failed half-way. On
 * AWS the stream's on-failure destination gets only a failed batch's coordinates and the stream keeps
 * records 24 h, so the marker is what lets the scheduled redrive (shared/cleanup/redrive.ts) finish an
 * app the stream gave up on. It carries the values the app had claimed, because the App item is gone.
 *
 * All markers share the partition `CLEANUP` (keys.cleanupMarker): the redrive reads them with a Query,
 * never a Scan, and the partition stays small because a marker normally lives for seconds.
 */
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';

/** What the delete knows of the app: its ids and the values it had claimed. */
export interface MarkedApp {
  tenant_id: string;
  app_id: string;
  subdomain?: string | null;
  custom_domain?: { domain: string } | null;
}

/** A marker as stored, without its keys. */
export interface CleanupMarker {
  tenant_id: string;
  app_id: string;
  subdomain?: string;
  custom_domain?: { domain: string };
  /** When the App was deleted (ISO-8601): the redrive's age test. */
  deleted_at: string;
}

export type CleanupMarkerItem = CleanupMarker & { PK: string; SK: string; entity: 'CleanupMarker' };

export class CleanupMarkers {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The item the delete transaction puts next to the App's removal. */
  markerItem(app: MarkedApp, now: Date): CleanupMarkerItem {
    return {
      ...keys.cleanupMarker(app.tenant_id, app.app_id),
      entity: 'CleanupMarker',
      tenant_id: app.tenant_id,
      app_id: app.app_id,
      ...(app.subdomain ? { subdomain: app.subdomain } : {}),
      ...(app.custom_domain?.domain ? { custom_domain: { domain: app.custom_domain.domain } } : {}),
      deleted_at: now.toISOString(),
    };
  }

  /**
   * Markers of apps deleted before `cutoff`, one Query per page on the markers' partition. The age test
   * is a filter: `deleted_at` is not part of the key, and the partition holds only a few markers.
   */
  async *olderThan(cutoff: Date): AsyncGenerator<CleanupMarker> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk',
          FilterExpression: 'deleted_at < :cutoff',
          ExpressionAttributeValues: { ':pk': keys.CLEANUP_MARKERS, ':cutoff': cutoff.toISOString() },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) yield toMarker(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** Removes the marker; removing one that is already gone is fine (a redelivered record, a redrive). */
  async remove(tenantId: string, appId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.cleanupMarker(tenantId, appId) }));
  }

  /**
   * Whether an App item with these ids exists (again). A Query on the App's own key, so the cleanup
   * needs no GetItem. The redrive's guard: it never removes the collection of a live app.
   */
  async appExists(tenantId: string, appId: string): Promise<boolean> {
    const { PK, SK } = keys.app(tenantId, appId);
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND SK = :sk',
        ExpressionAttributeValues: { ':pk': PK, ':sk': SK },
        Select: 'COUNT',
        ConsistentRead: true,
      }),
    );
    return (page.Count ?? 0) > 0;
  }
}

function toMarker(item: Record<string, unknown>): CleanupMarker {
  const { PK: _pk, SK: _sk, entity: _entity, ...marker } = item;
  return marker as unknown as CleanupMarker;
}
