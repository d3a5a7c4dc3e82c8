/**
 * The local identity provider: an RSA key pair kept in DATA_DIR (created on first start), its JWKS
 * file (what the verifier trusts locally), and tokens signed with it.
 */
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signJwt } from './jwt-sign.ts';

export const DEV_ISSUER = 'http://localhost/dev-issuer';

export interface DevIssuer {
  issuer: string;
  kid: string;
  privateKeyPem: string;
  jwksFile: string;
}

export function devIssuerFiles(dataDir: string) {
  return { key: join(dataDir, 'dev-issuer', 'private-key.json'), jwks: join(dataDir, 'dev-issuer', 'jwks.json') };
}

/** Loads the dev key pair from DATA_DIR, creating it (and its JWKS file) the first time. */
export function ensureDevIssuer(dataDir: string): DevIssuer {
  const files = devIssuerFiles(dataDir);
  if (!existsSync(files.key)) {
    mkdirSync(join(dataDir, 'dev-issuer'), { recursive: true });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = randomUUID();
    const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const jwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    writeFileSync(files.key, JSON.stringify({ kid, privateKeyPem }), { mode: 0o600 });
    writeFileSync(files.jwks, JSON.stringify({ keys: [jwk] }, null, 2));
  }
  const { kid, privateKeyPem } = JSON.parse(readFileSync(files.key, 'utf8')) as { kid: string; privateKeyPem: string };
  return { issuer: DEV_ISSUER, kid, privateKeyPem, jwksFile: files.jwks };
}

export interface DevTokenOptions {
  tenant: string;
  admin?: boolean;
  permissions?: string[];
  subject?: string;
  expiresInSeconds?: number;
  audience?: string;
}

export function mintDevToken(issuer: DevIssuer, options: DevTokenOptions): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    {
      iss: issuer.issuer,
      aud: options.audience ?? 'userid-api',
      sub: options.subject ?? 'dev-user',
      tid: options.tenant,
      iat: now,
      exp: now + (options.expiresInSeconds ?? 3600),
      ...(options.admin ? { role: ['Admin'] } : {}),
      ...(options.permissions?.length ? { permissions: options.permissions } : {}),
    },
    issuer.privateKeyPem,
    issuer.kid,
  );
}
