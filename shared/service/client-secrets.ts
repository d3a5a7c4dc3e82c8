/**
 * Client secrets of an app (contract §9): one or two active, so a caller rotates without downtime (add a
 * second, roll it out, retire the first). A new secret's value is returned once and stored only as a hash.
 * Retiring the last one is refused (LAST_SECRET): an app without a secret could not authenticate, and a
 * slip of one request should not lock its callers out; rotation never needs it.
 *
 * Each change is one transaction (the App on the version read, plus the hash in the client record), so
 * the limit checked on the App read holds when written: of two racing adds on one secret, one wins and
 * the other re-reads two secrets and is refused.
 */
import type { AppRepository, SecretChange } from '../db/app-repository.ts';
import { ConditionsFailed, TransactionContention } from '../db/transaction.ts';
import { Conflict, NotFound, SecretNotFound, Unavailable, VersionMismatch } from '../errors.ts';
import type { AppRecord, ClientSecretInfo } from '../model.ts';
import type { Actor } from './app-service.ts';
import { hashSecret, newClientSecret, newSecretId } from './credentials.ts';
import { backoff, WRITE_ATTEMPTS } from './write-attempts.ts';

export const MAX_ACTIVE_SECRETS = 2;

/** A secret as made: its value, shown this once. */
export interface NewClientSecret extends ClientSecretInfo {
  client_secret: string;
}

/** The App after the change, from the App as read. */
const changed = (current: AppRecord, clientSecrets: AppRecord['client_secrets'], now: Date): AppRecord => ({
  ...current,
  client_secrets: clientSecrets,
  version: current.version + 1,
  updated_at: now.toISOString(),
});

export class ClientSecrets {
  constructor(
    private readonly repo: AppRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async add(actor: Actor, appId: string, expectedVersions?: readonly number[]): Promise<NewClientSecret> {
    const value = newClientSecret();
    const secretId = newSecretId();
    const app = await this.change(actor, appId, expectedVersions, (current, now) => {
      if (current.client_secrets.length >= MAX_ACTIVE_SECRETS) {
        throw new Conflict(`An application has at most ${MAX_ACTIVE_SECRETS} active client secrets: delete one first`, 'SECRET_LIMIT');
      }
      const createdAt = now.toISOString();
      return {
        next: changed(current, [...current.client_secrets, { secret_id: secretId, created_at: createdAt }], now),
        expectedVersion: current.version,
        secret: { add: { secretId, hash: hashSecret(value), createdAt } },
      };
    });
    // Made at the change's time, which is also the App's updated_at.
    return { secret_id: secretId, client_secret: value, created_at: app.updated_at };
  }

  async delete(actor: Actor, appId: string, secretId: string, expectedVersions?: readonly number[]): Promise<AppRecord> {
    return this.change(actor, appId, expectedVersions, (current, now) => {
      if (!current.client_secrets.some((secret) => secret.secret_id === secretId)) throw new SecretNotFound();
      const [first, ...rest] = current.client_secrets.filter((secret) => secret.secret_id !== secretId);
      if (!first) {
        throw new Conflict('An application keeps at least one client secret: add a new one before deleting this one', 'LAST_SECRET');
      }
      return { next: changed(current, [first, ...rest], now), expectedVersion: current.version, secret: { remove: secretId } };
    });
  }

  /**
   * Reads the app and writes the change `plan` makes of it, on the version read. With `expectedVersions`
   * (If-Match) a lost race is a VersionMismatch; without, the change is planned again on the new version.
   */
  private async change(
    actor: Actor,
    appId: string,
    expectedVersions: readonly number[] | undefined,
    plan: (current: AppRecord, now: Date) => SecretChange,
  ): Promise<AppRecord> {
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const current = await this.repo.getApp(actor.tenantId, appId);
      if (!current) throw new NotFound();
      if (expectedVersions && !expectedVersions.includes(current.version)) throw new VersionMismatch();
      const change = plan(current, this.clock());
      try {
        await this.repo.changeClientSecret(change);
        return change.next;
      } catch (error) {
        const lostRace = error instanceof ConditionsFailed && error.failed.has('app');
        if (!lostRace && !(error instanceof TransactionContention)) throw error;
        if (lostRace && expectedVersions) throw new VersionMismatch();
        await backoff(attempt);
      }
    }
    throw new Unavailable();
  }
}
