/**
 * The JWT verifier (aws-jwt-verify), built once per process from config. It checks signature, `iss`,
 * `aud`, `exp`/`nbf`; `customJwtCheck` adds what the library leaves optional but the contract requires:
 * `exp` present, `iat` not in the future, a non-empty `tid` that fits in every key, `tid` and `sub` free of
 * control characters (they are stored and shown like any field a caller sets). Before any of that, a
 * header listing `crit` is refused: the library ignores the parameter, and RFC 7515 §4.1.11 says a
 * recipient that understands no extension must reject it.
 */
import { readFileSync } from 'node:fs';
import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import * as v from 'valibot';
import type { JwtConfig } from '../config.ts';
import { keys } from '../db/keys.ts';
import { Line } from '../schemas/fields.ts';
import { idempotencyKeyHash } from '../service/idempotency.ts';

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

/** The token's header lists `crit`: it asks for a JWS extension this service does not understand. */
export class JwtCritHeaderError extends Error {
  constructor() {
    super('Token header lists crit');
    this.name = 'JwtCritHeaderError';
  }
}

/**
 * Read from the header before the signature is checked: refusing on an unverified header is safe (a
 * forger can only get their own token refused), and a token no key could make acceptable never makes
 * the verifier look a key up or re-fetch a JWKS.
 */
function assertNoCriticalExtensions(token: string): void {
  const { header } = decomposeUnverifiedJwt(token) as { header: JwtHeader };
  if (Object.hasOwn(header, 'crit')) throw new JwtCritHeaderError();
}

/** DynamoDB's key limits, in bytes: a partition key at most 2,048, a sort key at most 1,024. */
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_SORT_KEY_BYTES = 1024;

/** The longest other parts of the keys a tenant id goes into: app ids are 26 characters, role ids 128. */
const SAMPLE_APP_ID = '0'.repeat(26);
const SAMPLE_ROLE_ID = 'r'.repeat(128);
const SAMPLE_KEY_HASH = idempotencyKeyHash('');
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Whether every key built from this tenant id (db/keys.ts, through its own builders) fits DynamoDB's
 * limits. Keys hold the tid URI-encoded, so what counts is bytes after encoding, not characters: one CJK
 * character takes 9, and the cleanup marker's sort key (`TENANT#<tid>#APP#<app_id>`, at most 1,024) is
 * the first to overflow, at about 109 of them. A tenant whose keys cannot be written is refused at the
 * door (401) instead of failing its first write.
 */
export function tenantIdFitsKeys(tenantId: string): boolean {
  // encodeURIComponent throws on a lone surrogate: such a tid cannot be a key at all.
  if (LONE_SURROGATE.test(tenantId)) return false;
  const built = [
    keys.app(tenantId, SAMPLE_APP_ID),
    keys.role(tenantId, SAMPLE_APP_ID, SAMPLE_ROLE_ID),
    keys.idempotency(tenantId, SAMPLE_KEY_HASH),
    keys.cleanupMarker(tenantId, SAMPLE_APP_ID),
  ];
  return built.every(({ PK, SK }) => Buffer.byteLength(PK) <= MAX_PARTITION_KEY_BYTES && Buffer.byteLength(SK) <= MAX_SORT_KEY_BYTES);
}

function assertContractClaims({ payload }: { payload: JwtPayload }): void {
  if (typeof payload.exp !== 'number') throw new JwtContractClaimError('Token has no exp');
  if (typeof payload.iat === 'number' && payload.iat - CLOCK_SKEW_SECONDS > Date.now() / 1000) {
    throw new JwtContractClaimError('Token issued in the future');
  }
  if (typeof payload.tid !== 'string' || payload.tid.length === 0) throw new JwtContractClaimError('Token has no tid');
  // An absurd tenant id is not a tenant, whatever it encodes to.
  if (payload.tid.length > MAX_TENANT_ID_LENGTH) throw new JwtContractClaimError('Token tid is too long');
  if (!tenantIdFitsKeys(payload.tid)) throw new JwtContractClaimError('Token tid does not fit in a key');
  // Both are stored (tenant_id, created_by) and shown: held to the rule of every stored one-line string.
  if (!v.is(Line, payload.tid)) throw new JwtContractClaimError('Token tid is not one line of text');
  if (payload.sub !== undefined && !v.is(Line, payload.sub)) throw new JwtContractClaimError('Token sub is not one line of text');
}

/**
 * The name of a rejection, for the log: aws-jwt-verify's error classes leave `name` as "Error", so the
 * class name says which check failed (`JwtExpiredError`, `JwtInvalidAudienceError`, …). Bundles keep
 * class names (esbuild `keepNames`).
 */
export function isJwksUnavailable(error: unknown): boolean {
  // aws-jwt-verify raises FetchError (and its NonRetryableFetchError) when the JWKS could not be fetched:
  // unreachable, timed out, or a non-2xx answer. That says nothing about the token (contract §2: 503).
  return error instanceof FetchError;
}

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
  return {
    verify: async (token) => {
      assertNoCriticalExtensions(token);
      return (await verifier.verify(token)) as JwtPayload;
    },
  };
}
