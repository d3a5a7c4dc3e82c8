/**
 * The JWT verifier (aws-jwt-verify), built once per process from config. It checks signature, `iss`,
 * `aud`, `exp`/`nbf`; `customJwtCheck` adds what the library leaves optional but the contract requires:
 * `exp` present, `iat` not in the future, a non-empty `tid`.
 */
import { readFileSync } from 'node:fs';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { JwtConfig } from '../config.ts';

/** Clock skew tolerated on `exp`, `nbf` and `iat` (contract: at most 60 s). */
export const CLOCK_SKEW_SECONDS = 30;

export const MAX_TENANT_ID_LENGTH = 256;

export interface TokenVerifier {
  verify(token: string): Promise<JwtPayload>;
}

/** A claim the contract requires and aws-jwt-verify leaves optional is missing or wrong. */
export class JwtContractClaimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtContractClaimError';
  }
}

function assertContractClaims({ payload }: { payload: JwtPayload }): void {
  if (typeof payload.exp !== 'number') throw new JwtContractClaimError('Token has no exp');
  if (typeof payload.iat === 'number' && payload.iat - CLOCK_SKEW_SECONDS > Date.now() / 1000) {
    throw new JwtContractClaimError('Token issued in the future');
  }
  if (typeof payload.tid !== 'string' || payload.tid.length === 0) throw new JwtContractClaimError('Token has no tid');
  // The tenant id goes into every key (DynamoDB keys are at most 2 KB): an absurd one is not a tenant.
  if (payload.tid.length > MAX_TENANT_ID_LENGTH) throw new JwtContractClaimError('Token tid is too long');
}

/**
 * The name of a rejection, for the log: aws-jwt-verify's error classes leave `name` as "Error", so the
 * class name says which check failed (`JwtExpiredError`, `JwtInvalidAudienceError`, …). Bundles keep
 * class names (esbuild `keepNames`).
 */
export function rejectionName(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  return error.name !== 'Error' ? error.name : error.constructor.name;
}

/**
 * With a JWKS file the keys are read from disk, never fetched: the local runtime and the tests run
 * offline, and aws-jwt-verify refuses plain-http JWKS URLs anyway. An unknown `kid` re-reads the file,
 * so a rotated dev key is picked up without a restart.
 */
function fileJwksCache(file: string): SimpleJwksCache {
  return new SimpleJwksCache({
    fetcher: {
      fetch: async () => {
        const bytes = readFileSync(file);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      },
    },
  });
}

export function createTokenVerifier(config: JwtConfig): TokenVerifier {
  const jwksUri = config.jwksFile ? `file://${config.jwksFile}` : config.jwksUri;
  const issuers = config.issuers.map((issuer) => ({
    issuer,
    audience: config.audience,
    ...(jwksUri ? { jwksUri } : {}),
    graceSeconds: CLOCK_SKEW_SECONDS,
    customJwtCheck: assertContractClaims,
  }));
  const [first, ...rest] = issuers;
  if (!first) throw new Error('JWT_ISSUER names no issuer');
  const verifier = JwtVerifier.create([first, ...rest], config.jwksFile ? { jwksCache: fileJwksCache(config.jwksFile) } : undefined);
  return { verify: (token) => verifier.verify(token) as Promise<JwtPayload> };
}
