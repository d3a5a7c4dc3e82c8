/**
 * Create with an Idempotency-Key (contract §8): the same key and body replay the original 201, a
 * different body is a 422. The record is written in the create's own transaction, sealed under a key
 * derived from the Idempotency-Key (idempotency.ts), which is never stored. So a key holds either
 * nothing (the create did not happen: a retry simply creates) or a finished app with its answer:
 * there is no "in progress" state to lease, time out or take over. Two requests racing with one key
 * both try; the transaction lets one win and the other replays the winner's answer.
 */
import type { IdempotencyRecords } from '../db/idempotency-records.ts';
import { IdempotencyKeyReused, Unavailable } from '../errors.ts';
import type { CreateAppInput } from '../schemas/app.ts';
import { type Actor, type AppService, type CreatedApp, IdempotencyKeyTaken, newApp, newCreatePlan } from './app-service.ts';
import { IDEMPOTENCY_TTL_SECONDS, idempotencyKeyHash, requestHash, sealerFor } from './idempotency.ts';

/** A live record that vanished between the failed write and the read (expired meanwhile): try again. */
const ATTEMPTS = 3;

export class IdempotentCreate {
  constructor(
    private readonly apps: AppService,
    private readonly records: IdempotencyRecords,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(actor: Actor, input: CreateAppInput, idempotencyKey: string): Promise<CreatedApp> {
    const keyHash = idempotencyKeyHash(idempotencyKey);
    const sealer = sealerFor(idempotencyKey, actor.tenantId);
    const fingerprint = requestHash(input);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const now = this.clock();
      const plan = newCreatePlan(now);
      const created: CreatedApp = { app: newApp(actor, input, plan, now), clientSecret: plan.clientSecret };
      const record = {
        request_hash: fingerprint,
        app_id: created.app.app_id,
        result_sealed: sealer.seal(JSON.stringify(created)),
        expires_at: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
      };
      try {
        await this.apps.insert(created, now, { keyHash, record });
        return created;
      } catch (error) {
        if (!(error instanceof IdempotencyKeyTaken)) throw error;
      }
      const seen = await this.records.get(actor.tenantId, keyHash);
      if (!seen || seen.expires_at <= Math.floor(this.clock().getTime() / 1000)) continue;
      if (seen.request_hash !== fingerprint) {
        throw new IdempotencyKeyReused();
      }
      return JSON.parse(sealer.open(seen.result_sealed)) as CreatedApp;
    }
    throw new Unavailable();
  }
}
