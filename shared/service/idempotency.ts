/**
 * Idempotent create (contract §8). The record is keyed by a hash of the Idempotency-Key, and what it
 * must keep secret (the client secret, the original response) is sealed with AES-256-GCM under a key
 * derived from the Idempotency-Key itself, which is never stored: a copy of the table alone cannot
 * read it. Keys should be random (a UUID), as with every idempotency-key API.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import * as v from 'valibot';

/** 1–255 printable ASCII characters. */
export const IdempotencyKey = v.pipe(v.string(), v.regex(/^[\x20-\x7e]{1,255}$/, 'Must be 1-255 printable ASCII characters'));

/** How long a completed request is replayed. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export const idempotencyKeyHash = (key: string): string =>
  createHash('sha256').update(`management-apps/idempotency-key/${key}`).digest('base64url');

/** A stable hash of the validated request: same body (after defaults) means same request. */
export const requestHash = (input: unknown): string => createHash('sha256').update(JSON.stringify(input)).digest('base64url');

export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export function sealerFor(idempotencyKey: string, tenantId: string): Sealer {
  const key = Buffer.from(hkdfSync('sha256', idempotencyKey, tenantId, 'management-apps idempotency v1', 32));
  const aad = Buffer.from(`${tenantId}/${idempotencyKeyHash(idempotencyKey)}`);
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed) {
      const bytes = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12)).setAAD(aad);
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
