/**
 * What the cleanup does for one deleted App: release the claims it still holds, delete its whole item
 * collection, and only then remove its cleanup marker. The marker goes LAST so that a cleanup failing
 * at any earlier step leaves it, and the scheduled redrive finishes the app later. Idempotent, so a
 * redelivered stream record or a redrive racing the stream is harmless.
 */
import type { AppRepository } from '../db/app-repository.ts';
import type { CleanupMarkers } from '../db/cleanup-markers.ts';
import type { ClaimKind } from '../db/keys.ts';
import type { AppRecord } from '../model.ts';

export interface RemovedAppSummary {
  items_removed: number;
  dynamodb_calls: number;
}

export type RemovedApp = Pick<AppRecord, 'tenant_id' | 'app_id'> & {
  subdomain?: string | null;
  custom_domain?: { domain: string } | null;
};

export async function cleanUpRemovedApp(repo: AppRepository, markers: CleanupMarkers, app: RemovedApp): Promise<RemovedAppSummary> {
  const owner = { tenantId: app.tenant_id, appId: app.app_id };
  const claimed: [ClaimKind, string | null | undefined][] = [
    ['subdomain', app.subdomain],
    ['custom_domain', app.custom_domain?.domain],
  ];
  const releases = claimed.filter((entry): entry is [ClaimKind, string] => Boolean(entry[1]));
  // Conditional on the owner: a value already claimed again by another app is left alone.
  for (const [kind, value] of releases) await repo.claims.release(kind, value, owner);
  const { removed, calls } = await repo.removeAppCollection(app.tenant_id, app.app_id);
  await markers.remove(app.tenant_id, app.app_id);
  return { items_removed: removed, dynamodb_calls: calls + releases.length + 1 };
}
