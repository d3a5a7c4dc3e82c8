/**
 * RS256 JWT signing with node:crypto, for the dev issuer and the tests. A JWT library would only
 * wrap these few lines; the verifying side is aws-jwt-verify, as in production.
 */
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signJwt(claims: Record<string, unknown>, privateKey: KeyObject | string, kid: string): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const signingInput = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), key).toString('base64url');
  return `${signingInput}.${signature}`;
}
