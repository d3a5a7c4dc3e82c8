/**
 * The local identity provider: an RSA key pair kept in DATA_DIR (created on first start), its JWKS
 * file (what the verifier trusts locally), and tokens signed with it.
 */
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_AUDIENCE, type JwtConfig } from '../../shared/config.ts';
import { signJwt } from './jwt-sign.ts';

export const DEV_ISSUER = 'http://localhost/dev-issuer';

/** DATA_DIR when it is not set, relative to the project (`npm start` and `npm run token` run there). */
export const DEFAULT_DATA_DIR = '.data';

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
      aud: options.audience ?? DEFAULT_AUDIENCE,
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

/** A shell word as typed: quoted only when the shell would split or expand it. */
const shellWord = (value: string) => (/^[\w./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

function jwksHoldsKey(file: string, kid: string): boolean {
  try {
    const { keys } = JSON.parse(readFileSync(file, 'utf8')) as { keys?: { kid?: unknown }[] };
    return Array.isArray(keys) && keys.some((key) => key?.kid === kid);
  } catch {
    return false;
  }
}

/**
 * The start banner's token line. `npm run token` runs in another shell, which knows nothing of the
 * runtime's environment: the command names DATA_DIR (where the key pair is) and the audience when they
 * are not the defaults. When the runtime would refuse dev tokens (another issuer, or a JWKS without the
 * dev key), the line says so instead of suggesting a command whose tokens get 401s.
 */
export function devTokenHint(devIssuer: DevIssuer, jwt: JwtConfig, dataDir: string): string {
  const refused = 'dev tokens (npm run token) are refused';
  if (!jwt.issuers.includes(devIssuer.issuer)) {
    return `${refused}: JWT_ISSUER is ${jwt.issuers.join(',')}, not the dev issuer ${devIssuer.issuer}`;
  }
  if (!jwt.jwksFile) return `${refused}: JWT_ISSUER names the dev issuer, but no JWT_JWKS_FILE holds its key`;
  if (!jwksHoldsKey(jwt.jwksFile, devIssuer.kid)) return `${refused}: JWT_JWKS_FILE ${jwt.jwksFile} does not hold the dev issuer's key`;
  const env = resolve(dataDir) === resolve(DEFAULT_DATA_DIR) ? '' : `DATA_DIR=${shellWord(dataDir)} `;
  const audience = jwt.audience === DEFAULT_AUDIENCE ? '' : ` --audience ${shellWord(jwt.audience)}`;
  return `${env}npm run token -- --tenant acme --admin${audience}`;
}
