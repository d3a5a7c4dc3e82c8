/**
 * What the cleanup does for one removed App: release the claims it still holds, then delete its whole
 * item collection. Idempotent, so a redelivered stream record is harmless.
 */
import type { AppRepository } from '../db/app-repository.ts';
import type { AppRecord } from '../model.ts';

export interface RemovedAppSummary {
  items_removed: number;
  dynamodb_calls: number;
}

export async function cleanUpRemovedApp(
  repo: AppRepository,
  app: Pick<AppRecord, 'tenant_id' | 'app_id' | 'subdomain' | 'custom_domain'>,
): Promise<RemovedAppSummary> {
  const owner = { tenantId: app.tenant_id, appId: app.app_id };
  // Conditional on the owner: a value already claimed again by another app is left alone.
  if (app.subdomain) await repo.claims.release('subdomain', app.subdomain, owner);
  if (app.custom_domain?.domain) await repo.claims.release('custom_domain', app.custom_domain.domain, owner);
  const { removed, calls } = await repo.removeAppCollection(app.tenant_id, app.app_id);
  return { items_removed: removed, dynamodb_calls: calls + 2 };
}
