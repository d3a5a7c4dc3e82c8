/**
 * The rules of create, list, read, update and delete (contract §3–§6, §9; client secrets have their own
 * room, client-secrets.ts). Storage details stay in the repository; HTTP details stay at the edge
 * (shared/http/ and the handlers).
 *
 * Each change is one transaction (see the repository), so the rules here are only about deciding
 * what to write and reading the answer: which condition failed, and whether to try again.
 */
import {
  type AppChange,
  AppRepository,
  type ClaimedValues,
  claimedEntries,
  claimedValuesOf,
  type ListPageRequest,
  type NewApp,
} from '../db/app-repository.ts';
import type { ClaimKind } from '../db/keys.ts';
import { ConditionsFailed, MAX_TRANSACTION_ACTIONS, TransactionContention } from '../db/transaction.ts';
import { Conflict, InvalidRequest, NotFound, Unavailable, VersionMismatch } from '../errors.ts';
import type { AppRecord } from '../model.ts';
import type { CreateAppInput, UpdateAppInput } from '../schemas/app.ts';
import { defaultOidcClient, type FirstClient } from '../schemas/client.ts';
import { hashSecret, newAppId, newClientId, newClientSecret, newSecretId } from './credentials.ts';
import { backoff, WRITE_ATTEMPTS } from './write-attempts.ts';

/** The random parts of a create, chosen up front so a caller (idempotent create, tests) can fix them. */
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

const CLAIM_CONFLICT: Record<ClaimKind, () => Conflict> = {
  subdomain: () => new Conflict('The subdomain is already taken', 'SUBDOMAIN_TAKEN'),
  custom_domain: () => new Conflict('The custom domain is already taken', 'CUSTOM_DOMAIN_TAKEN'),
};

/** Subdomain first, as the contract lists them: a caller fixes one thing at a time. */
function claimConflict(failed: ReadonlySet<string>): Conflict | undefined {
  if (failed.has('claim:subdomain')) return CLAIM_CONFLICT.subdomain();
  if (failed.has('claim:custom_domain')) return CLAIM_CONFLICT.custom_domain();
  return undefined;
}

/** The create's key was already used (contract §8): the idempotent create replays what it stored. */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('Idempotency-Key already holds a request');
    this.name = 'IdempotencyKeyTaken';
  }
}

const roleIdsOf = (client: FirstClient): readonly string[] => client.role_ids ?? [];

/** Contract §3, Update: `{}` (every field omitted) changes nothing, not even the version. */
const isEmptyPatch = (patch: UpdateAppInput) => Object.values(patch).every((value) => value === undefined);

/** The App a create writes: the caller's settings plus what the service owns. */
export function newApp(actor: Actor, input: CreateAppInput, plan: CreatePlan, now: Date): AppRecord {
  const iso = now.toISOString();
  const { first_client_authentication_protocol: protocol, first_client, custom_domain, ...settable } = input;
  return {
    ...settable,
    app_id: plan.appId,
    tenant_id: actor.tenantId,
    version: 1,
    ...(custom_domain ? { custom_domain: { domain: custom_domain, status: 'pending', updated_at: iso } } : {}),
    client_id: plan.clientId,
    first_client: first_client
      ? ({ authentication_protocol: protocol, ...first_client } as FirstClient)
      : defaultOidcClient(input.app_name),
    // The first secret's id names it, nothing more: no caller needs to choose it, so it is not in the plan.
    client_secrets: [{ secret_id: newSecretId(), created_at: iso }],
    created_at: iso,
    created_by: actor.subject,
    updated_at: iso,
  };
}

export class AppService {
  constructor(
    private readonly repo: AppRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(actor: Actor, input: CreateAppInput, plan?: CreatePlan): Promise<CreatedApp> {
    // One instant for the id's time prefix and created_at: the list's order (by id) is then created_at's.
    const now = this.clock();
    plan ??= newCreatePlan(now);
    const created = { app: newApp(actor, input, plan, now), clientSecret: plan.clientSecret };
    await this.insert(created, now);
    return created;
  }

  /**
   * Writes a new app and everything it owns in one transaction (with its idempotency record, when
   * given). Throws `IdempotencyKeyTaken` when that record's key is held by a live record.
   */
  async insert({ app, clientSecret }: CreatedApp, now: Date, idempotency?: NewApp['idempotency']): Promise<void> {
    const [first] = app.client_secrets;
    const secret = { secretId: first.secret_id, hash: hashSecret(clientSecret), createdAt: first.created_at };
    const write: NewApp = { app, secret, roleIds: roleIdsOf(app.first_client), now, idempotency };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.repo.createApp(write);
      } catch (error) {
        if (error instanceof TransactionContention && attempt < WRITE_ATTEMPTS) {
          await backoff(attempt);
          continue;
        }
        if (error instanceof TransactionContention) throw new Unavailable();
        if (!(error instanceof ConditionsFailed)) throw error;
        if (error.failed.has('idempotency')) throw new IdempotencyKeyTaken();
        throw claimConflict(error.failed) ?? error;
      }
    }
  }

  /** A page of the actor's apps after `after`; `fits` lets the HTTP layer end it by size (contract §5). */
  async list(actor: Actor, limit: number, after?: string, fits?: ListPageRequest['fits']) {
    return this.repo.listApps(actor.tenantId, { limit, after, fits });
  }

  async get(actor: Actor, appId: string): Promise<AppRecord> {
    const app = await this.repo.getApp(actor.tenantId, appId);
    if (!app) throw new NotFound();
    return app;
  }

  /**
   * Applies the patch to the app's current version. With `expectedVersions` (the caller's If-Match),
   * only if the app is at one of them (else `VersionMismatch`); without, a lost race re-reads and
   * applies the patch again, so concurrent updates never lose each other's fields.
   */
  async update(actor: Actor, appId: string, patch: UpdateAppInput, expectedVersions?: readonly number[]): Promise<AppRecord> {
    const notOurs = new Set<string>();
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const current = await this.repo.getApp(actor.tenantId, appId);
      if (!current) throw new NotFound();
      if (expectedVersions && !expectedVersions.includes(current.version)) throw new VersionMismatch();
      if (isEmptyPatch(patch)) return current;
      const now = this.clock();
      const next = applyPatch(current, patch, now);
      const change = planChange(current, next, patch.first_client !== undefined, notOurs, now);
      try {
        await this.repo.updateApp(change);
        return next;
      } catch (error) {
        if (error instanceof TransactionContention) {
          await backoff(attempt);
          continue;
        }
        if (!(error instanceof ConditionsFailed)) throw error;
        if (error.failed.has('app')) {
          // Someone else wrote first. A claim failing alongside may be this very app's new value.
          if (expectedVersions) throw new VersionMismatch();
          await backoff(attempt);
          continue;
        }
        const conflict = claimConflict(error.failed);
        // A value held by this very app (a concurrent update moved it there first) is a lost race, not a
        // conflict; and DynamoDB need not report every failed condition. Only a version still current says 409.
        if (conflict && (await this.repo.getApp(actor.tenantId, appId))?.version === current.version) throw conflict;
        if (conflict) continue;
        // A claim this app named is no longer its own (an outside writer moved it): nothing to release.
        for (const kind of releasedKinds(error.failed)) notOurs.add(claimName(kind, change.release[kind]));
      }
    }
    throw new Unavailable();
  }

  async delete(actor: Actor, appId: string): Promise<void> {
    const notOurs = new Set<string>();
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const current = await this.repo.getApp(actor.tenantId, appId);
      if (!current) throw new NotFound();
      const release = without(claimedValuesOf(current), notOurs);
      try {
        return await this.repo.deleteApp(current, release, this.clock());
      } catch (error) {
        if (error instanceof TransactionContention || (error instanceof ConditionsFailed && error.failed.has('app'))) {
          await backoff(attempt); // changed or deleted meanwhile: read it again
          continue;
        }
        if (!(error instanceof ConditionsFailed)) throw error;
        for (const kind of releasedKinds(error.failed)) notOurs.add(claimName(kind, release[kind]));
      }
    }
    throw new Unavailable();
  }
}

function releasedKinds(failed: ReadonlySet<string>): ClaimKind[] {
  return (['subdomain', 'custom_domain'] as const).filter((kind) => failed.has(`release:${kind}`));
}

/** Values in `a` that `b` does not have. */
function changedValues(a: ClaimedValues, b: ClaimedValues): ClaimedValues {
  return Object.fromEntries(claimedEntries(a).filter(([kind, value]) => b[kind] !== value));
}

/** A claim as one string, to remember the ones found not to be the app's. */
const claimName = (kind: ClaimKind, value: string | undefined) => `${kind}#${value}`;

function without(values: ClaimedValues, claims: ReadonlySet<string>): ClaimedValues {
  return Object.fromEntries(claimedEntries(values).filter(([kind, value]) => !claims.has(claimName(kind, value))));
}

/**
 * What one update writes: the new App, claims of its new values, releases of its old ones, and (when
 * the body sent a `first_client`) the role assignments that make the stored ones equal its `role_ids`.
 * The stored App names exactly the assignments this service wrote (they change in the same
 * transaction), so the difference needs no Query.
 */
export function planChange(
  current: AppRecord,
  next: AppRecord,
  clientReplaced: boolean,
  notOurs: ReadonlySet<string>,
  now: Date,
): AppChange {
  const before = claimedValuesOf(current);
  const after = claimedValuesOf(next);
  const oldRoles = clientReplaced ? roleIdsOf(current.first_client) : [];
  const newRoles = clientReplaced ? roleIdsOf(next.first_client) : [];
  const change: AppChange = {
    next,
    expectedVersion: current.version,
    claim: changedValues(after, before),
    release: without(changedValues(before, after), notOurs),
    roles: {
      add: newRoles.filter((roleId) => !oldRoles.includes(roleId)),
      remove: oldRoles.filter((roleId) => !newRoles.includes(roleId)),
    },
    now,
  };
  // 50 role ids at most on each side, so only a near-total role swap that also moves both domains
  // passes DynamoDB's 100 actions. Refused whole rather than split: a split would not be atomic.
  if (AppRepository.changeSize(change) > MAX_TRANSACTION_ACTIONS) {
    throw new InvalidRequest('Too many changes in one update', [
      {
        path: 'first_client.role_ids',
        message:
          `One update can change at most ${MAX_TRANSACTION_ACTIONS - 1} items (role assignments added or removed, ` +
          'subdomain and custom domain moves); send the role change and the domain moves as two updates',
      },
    ]);
  }
  return change;
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
