/**
 * Create with an Idempotency-Key (contract §8): the same key and body replay the original 201, a
 * different body is a 422, a key still in flight is a 409. The record is sealed under a key derived
 * from the Idempotency-Key (idempotency.ts), which is never stored.
 */
import type { IdempotencyRecord, IdempotencyRecords } from '../db/idempotency-records.ts';
import { HttpError, IdempotencyInProgress, UnprocessableEntity } from '../errors.ts';
import type { CreateAppInput } from '../schemas/app.ts';
import { type Actor, type AppService, type CreatedApp, newCreatePlan } from './app-service.ts';
import {
  IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_SECONDS, idempotencyKeyHash, requestHash, sealerFor,
} from './idempotency.ts';

export class IdempotentCreate {
  constructor(
    private readonly apps: AppService,
    private readonly records: IdempotencyRecords,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Create with an Idempotency-Key (contract §8). The ids and the secret are fixed (sealed) in the
   * record before anything else is written, so a retry after a crash finishes the same app instead of
   * making a second one.
   */
  async create(actor: Actor, input: CreateAppInput, idempotencyKey: string): Promise<CreatedApp> {
    const keyHash = idempotencyKeyHash(idempotencyKey);
    const sealer = sealerFor(idempotencyKey, actor.tenantId);
    const fingerprint = requestHash(input);
    const now = this.clock();
    const plan = newCreatePlan(now);
    const fresh: IdempotencyRecord = {
      state: 'pending', request_hash: fingerprint, app_id: plan.appId, client_id: plan.clientId,
      secret_sealed: sealer.seal(plan.clientSecret), lease_until: now.getTime() + IDEMPOTENCY_LEASE_MS,
      expires_at: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
    };
    let chosen = plan;
    if (!(await this.records.put(actor.tenantId, keyHash, fresh))) {
      const seen = await this.records.get(actor.tenantId, keyHash);
      const expired = !seen || seen.expires_at * 1000 <= now.getTime();
      if (!expired && seen.request_hash !== fingerprint) {
        throw new UnprocessableEntity('Idempotency-Key was already used with a different request body');
      }
      if (!expired && seen.state === 'done' && seen.result_sealed) {
        return JSON.parse(sealer.open(seen.result_sealed)) as CreatedApp;
      }
      if (!expired && seen.lease_until > now.getTime()) throw new IdempotencyInProgress();
      // Expired, or a pending request whose process died: take the key over, keeping its ids and secret.
      const takeover = !expired ? { ...seen, lease_until: fresh.lease_until } : fresh;
      if (!seen || !(await this.records.put(actor.tenantId, keyHash, takeover, seen))) {
        throw new IdempotencyInProgress();
      }
      if (!expired) chosen = { appId: seen.app_id, clientId: seen.client_id, clientSecret: sealer.open(seen.secret_sealed) };
    }
    let created: CreatedApp;
    try {
      created = await this.apps.create(actor, input, chosen);
    } catch (error) {
      // A refused request changed nothing: free the key so a corrected retry can use it.
      if (error instanceof HttpError && error.status < 500) await this.records.delete(actor.tenantId, keyHash);
      throw error;
    }
    const record = await this.records.get(actor.tenantId, keyHash);
    if (record) {
      const done: IdempotencyRecord = { ...record, state: 'done', result_sealed: sealer.seal(JSON.stringify(created)) };
      await this.records.put(actor.tenantId, keyHash, done, record);
    }
    return created;
  }
}
