/**
 * Identifiers and the client secret. All randomness is from the OS CSPRNG.
 * - app_id: 48-bit millisecond time + 80 random bits, 26 chars of lower-case Crockford base32, so apps
 *   sort by creation time within a tenant.
 * - client_id and secret_id: 120 random bits, 24 chars.
 * - client_secret: 256 random bits, base64url. Stored only as SHA-256: a slow password hash buys
 *   nothing for a secret with 256 bits of entropy, and would cost every token request.
 */
import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

function timePrefix(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

export const newAppId = (now: Date): string => timePrefix(now.getTime()) + base32(randomBytes(10), 16);

export const newClientId = (): string => base32(randomBytes(15), 24);

/** Names one client secret of an app (contract §9); not a secret itself. */
export const newSecretId = (): string => base32(randomBytes(15), 24);

export const newClientSecret = (): string => randomBytes(32).toString('base64url');

export const hashSecret = (secret: string): string => `sha256:${createHash('sha256').update(secret).digest('base64url')}`;
