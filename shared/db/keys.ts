/**
 * Every key of the single table (see README "Key design"). The tenant id is URI-encoded so that no
 * tenant id, whatever it contains, can spell another tenant's key or an app collection's key.
 */
const tenant = (tenantId: string) => `TENANT#${encodeURIComponent(tenantId)}`;

export const keys = {
  app: (tenantId: string, appId: string) => ({ PK: tenant(tenantId), SK: `APP#${appId}` }),
  tenantApps: (tenantId: string) => tenant(tenantId),
  APP_PREFIX: 'APP#',
  /** The app's item collection: its client record and role assignments. */
  collection: (tenantId: string, appId: string) => `${tenant(tenantId)}#APP#${appId}`,
  role: (tenantId: string, appId: string, roleId: string) => ({ PK: keys.collection(tenantId, appId), SK: `ROLE#${roleId}` }),
  client: (tenantId: string, appId: string, clientId: string) => ({ PK: keys.collection(tenantId, appId), SK: `CLIENT#${clientId}` }),
  /** Idempotency records live in the tenant's space too: a key is only ever replayed to its own tenant. */
  idempotency: (tenantId: string, keyHash: string) => ({ PK: `${tenant(tenantId)}#IDEM#${keyHash}`, SK: 'IDEM' }),
  claim: (kind: ClaimKind, value: string) => ({ PK: `${CLAIM_PREFIX[kind]}#${value}`, SK: 'CLAIM' }),
  /**
   * A deleted app whose collection the cleanup has not finished yet: written in the delete's
   * transaction, removed by the cleanup last. All markers share one partition, so the scheduled
   * redrive finds them with one Query (never a Scan); they live seconds, so the partition stays small.
   */
  cleanupMarker: (tenantId: string, appId: string) => ({ PK: keys.CLEANUP_MARKERS, SK: keys.collection(tenantId, appId) }),
  CLEANUP_MARKERS: 'CLEANUP',
};

export type ClaimKind = 'subdomain' | 'custom_domain';

const CLAIM_PREFIX: Record<ClaimKind, string> = { subdomain: 'SUBDOMAIN', custom_domain: 'DOMAIN' };
