/**
 * The rules of create, list, update and delete (contract §3–§6). Storage details stay in the
 * repository; HTTP details stay in the handlers.
 *
 * Write order (no transactions, so each step leaves a repairable state if the process dies after it):
 *   create: claim subdomain/domain → client record + role assignments → app item (the commit point);
 *           with an Idempotency-Key, wrapped by idempotent-create.ts.
 *   update: claim new values → conditional write of the app on the version read → release old values
 *           → re-sync role assignments.
 *   delete: conditional delete of the app → release its claims.
 * A claim whose owner never came to name it is taken over once older than CLAIM_GRACE_MS; items in a
 * collection whose app was never written are unreachable (the app id is random, no App names it) and
 * harmless; an idempotent retry completes them.
 */
import { Conflict, NotFound, PreconditionFailed, ServiceUnavailable } from '../errors.ts';
import type { AppRepository } from '../db/app-repository.ts';
import type { ClaimOwner } from '../db/claims.ts';
import type { ClaimKind } from '../db/keys.ts';
import { type AppRecord, etagOf } from '../model.ts';
import type { CreateAppInput, UpdateAppInput } from '../schemas/app.ts';
import { defaultOidcClient, type FirstClient } from '../schemas/client.ts';
import { hashSecret, newAppId, newClientId, newClientSecret } from './credentials.ts';

export interface CreatePlan {
  appId: string;
  clientId: string;
  clientSecret: string;
}

export interface CreatedApp {
  app: AppRecord;
  clientSecret: string;
}

export const newCreatePlan = (now: Date): CreatePlan => ({
  appId: newAppId(now),
  clientId: newClientId(),
  clientSecret: newClientSecret(),
});

export interface Actor {
  tenantId: string;
  subject: string;
}

/** Optimistic-concurrency retries of one update; each loser backs off with jitter before re-reading. */
const UPDATE_ATTEMPTS = 12;
const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));

const CLAIM_CONFLICT: Record<ClaimKind, () => Conflict> = {
  subdomain: () => new Conflict('The subdomain is already taken', 'SUBDOMAIN_TAKEN'),
  custom_domain: () => new Conflict('The custom domain is already taken', 'CUSTOM_DOMAIN_TAKEN'),
};

type ClaimedValues = Partial<Record<ClaimKind, string>>;

const claimedValues = (app: Pick<AppRecord, 'subdomain' | 'custom_domain'>): ClaimedValues => ({
  subdomain: app.subdomain,
  custom_domain: app.custom_domain?.domain,
});

const roleIdsOf = (client: FirstClient): string[] => client.role_ids ?? [];

/** `If-Match` as RFC 9110 reads it: `*`, or a list of (possibly weak) entity tags. */
export function ifMatchAccepts(header: string, app: AppRecord): boolean {
  if (header.trim() === '*') return true;
  const current = etagOf(app);
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === current);
}

export class AppService {
  constructor(
    private readonly repo: AppRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(actor: Actor, input: CreateAppInput, plan: CreatePlan = newCreatePlan(this.clock())): Promise<CreatedApp> {
    const now = this.clock();
    const iso = now.toISOString();
    const { first_client_authentication_protocol: protocol, first_client, custom_domain, ...settable } = input;
    const app: AppRecord = {
      ...settable,
      app_id: plan.appId,
      tenant_id: actor.tenantId,
      version: 1,
      ...(custom_domain ? { custom_domain: { domain: custom_domain, status: 'pending', updated_at: iso } } : {}),
      client_id: plan.clientId,
      first_client: first_client
        ? ({ authentication_protocol: protocol, ...first_client } as FirstClient)
        : defaultOidcClient(input.app_name),
      created_at: iso,
      created_by: actor.subject,
      updated_at: iso,
    };
    const owner = { tenantId: app.tenant_id, appId: app.app_id, appVersion: app.version };
    const claimed = await this.claimAll(claimedValues(app), owner, now);
    try {
      await this.repo.writeNewAppCollection(app, hashSecret(plan.clientSecret), roleIdsOf(app.first_client), now);
      if (await this.repo.insertApp(app)) return { app, clientSecret: plan.clientSecret };
      // The id exists: an idempotent retry of a create that crashed after its commit point.
      const existing = await this.repo.getApp(app.tenant_id, app.app_id);
      if (!existing) throw new Error('app id collision with a deleted app');
      return { app: existing, clientSecret: plan.clientSecret };
    } catch (error) {
      // The app id is new and ours alone, so releasing its claims cannot take them from anyone, unless
      // the app item was written after all (a lost response): then the claims are its own and stay.
      await this.releaseUnlessCommitted(claimed, owner).catch(() => undefined);
      throw error;
    }
  }

  async list(actor: Actor, limit: number, afterAppId?: string) {
    return this.repo.listApps(actor.tenantId, limit, afterAppId);
  }

  async update(actor: Actor, appId: string, patch: UpdateAppInput, ifMatch?: string): Promise<AppRecord> {
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
      const current = await this.repo.getApp(actor.tenantId, appId);
      if (!current) throw new NotFound();
      if (ifMatch !== undefined && !ifMatchAccepts(ifMatch, current)) throw new PreconditionFailed();
      const now = this.clock();
      const next = applyPatch(current, patch, now);
      const before = claimedValues(current);
      const after = claimedValues(next);
      const added = changedValues(after, before);
      // Claims made for `next.version` survive a release by an older version (see Claims.release).
      await this.claimAll(added, { tenantId: next.tenant_id, appId, appVersion: next.version }, now);
      if (!(await this.repo.replaceApp(next, current.version))) {
        if (ifMatch !== undefined) throw new PreconditionFailed();
        await backoff(attempt); // someone else wrote first: re-read and apply the patch to their version
        continue;
      }
      for (const [kind, value] of entriesOf(changedValues(before, after))) {
        await this.repo.claims.release(kind, value, { tenantId: next.tenant_id, appId }, current.version);
      }
      if (patch.first_client !== undefined) await this.syncRolesToLatest(next, now);
      return next;
    }
    // Only under sustained contention on one app: the caller may simply retry.
    throw new ServiceUnavailable();
  }

  async delete(actor: Actor, appId: string): Promise<void> {
    const deleted = await this.repo.deleteApp(actor.tenantId, appId);
    if (!deleted) throw new NotFound();
    await this.releaseAll(claimedValues(deleted), { tenantId: deleted.tenant_id, appId });
  }

  /**
   * Role assignments follow the latest stored client: if another update landed while this one synced,
   * sync again to that one, so concurrent updates converge on the app's final `role_ids`.
   */
  private async syncRolesToLatest(written: AppRecord, now: Date): Promise<void> {
    let target: AppRecord | undefined = written;
    for (let round = 0; target && round < UPDATE_ATTEMPTS; round++) {
      await this.repo.syncFirstClientRoles(target, roleIdsOf(target.first_client), now);
      const latest = await this.repo.getApp(target.tenant_id, target.app_id);
      target = latest && latest.version !== target.version ? latest : undefined;
    }
  }

  private async claimAll(values: ClaimedValues, owner: ClaimOwner, now: Date): Promise<ClaimedValues> {
    const claimed: ClaimedValues = {};
    for (const [kind, value] of entriesOf(values)) {
      if (!(await this.repo.claims.take(kind, value, owner, now))) {
        // Claims this request made for a brand-new app are released; those made by an update are left
        // to the grace-period takeover, since a concurrent update of the same app may rely on them.
        if (owner.appVersion === 1) await this.releaseAll(claimed, owner);
        throw CLAIM_CONFLICT[kind]();
      }
      claimed[kind] = value;
    }
    return claimed;
  }

  private async releaseUnlessCommitted(claimed: ClaimedValues, owner: ClaimOwner): Promise<void> {
    if (!(await this.repo.getApp(owner.tenantId, owner.appId))) await this.releaseAll(claimed, owner);
  }

  private async releaseAll(values: ClaimedValues, owner: Omit<ClaimOwner, 'appVersion'>): Promise<void> {
    for (const [kind, value] of entriesOf(values)) await this.repo.claims.release(kind, value, owner);
  }
}

function entriesOf(values: ClaimedValues): [ClaimKind, string][] {
  return (Object.entries(values) as [ClaimKind, string | undefined][]).filter(
    (entry): entry is [ClaimKind, string] => entry[1] !== undefined,
  );
}

/** Values in `a` that `b` does not have. */
function changedValues(a: ClaimedValues, b: ClaimedValues): ClaimedValues {
  return Object.fromEntries(entriesOf(a).filter(([kind, value]) => b[kind] !== value));
}

/**
 * Contract §3, Update: an omitted field keeps its value, `null` clears it, an object replaces the
 * stored one whole. Only fields the schema let through reach here (no mass assignment).
 */
export function applyPatch(current: AppRecord, patch: UpdateAppInput, now: Date): AppRecord {
  const { first_client_authentication_protocol: protocol, first_client, custom_domain, ...scalars } = patch;
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(scalars)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }
  if (custom_domain === null) delete next.custom_domain;
  else if (custom_domain !== undefined && custom_domain !== current.custom_domain?.domain) {
    next.custom_domain = { domain: custom_domain, status: 'pending', updated_at: now.toISOString() };
  }
  if (first_client !== undefined) {
    next.first_client = { authentication_protocol: protocol ?? 'oidc', ...first_client };
  }
  next.version = current.version + 1;
  next.updated_at = now.toISOString();
  return next as AppRecord;
}
