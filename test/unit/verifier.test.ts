/**
 * The verifier's own checks, on a verifier built from a JWKS file (no runtime): `crit` in the header,
 * and a tenant id that must fit in every key. Rejections are asserted by error class, as
 * aws-jwt-verify's own tests do.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../infra/local/jwt-sign.ts';
import {
  createTokenVerifier,
  JwtContractClaimError,
  JwtCritHeaderError,
  rejectionName,
  type TokenVerifier,
  tenantIdFitsKeys,
} from '../../shared/auth/verifier.ts';
import { signWithHeader } from '../fixtures/jws.ts';
import { makeTestKey, type TestKey } from '../fixtures/keys.ts';

const ISSUER = 'https://issuer.unit.example';
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: 'userid-api',
  sub: 'u',
  tid: 'acme',
  iat: now(),
  exp: now() + 600,
  ...extra,
});

let key: TestKey;
let verifier: TokenVerifier;

beforeAll(() => {
  key = makeTestKey('unit-key');
  const jwksFile = join(mkdtempSync(join(tmpdir(), 'verifier-')), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
  verifier = createTokenVerifier({ issuers: [ISSUER], audience: 'userid-api', jwksFile });
});

async function rejection(token: string): Promise<unknown> {
  return verifier.verify(token).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('crit (RFC 7515 §4.1.11)', () => {
  it('accepts the same token without crit', async () => {
    await expect(verifier.verify(signWithHeader({ kid: key.kid }, claims(), key.privateKeyPem))).resolves.toMatchObject({ tid: 'acme' });
  });

  it.each([
    ['a list of extensions', ['exp']],
    ['an empty list', []],
    ['a string', 'b64'],
    ['null', null],
  ])('rejects a header listing crit as %s', async (_, crit) => {
    const error = await rejection(signWithHeader({ kid: key.kid, crit }, claims(), key.privateKeyPem));
    expect(error).toBeInstanceOf(JwtCritHeaderError);
    expect(rejectionName(error)).toBe('JwtCritHeaderError');
  });

  it('rejects it before any key is looked up (an unknown kid is not even searched for)', async () => {
    const error = await rejection(signWithHeader({ kid: 'no-such-kid', crit: ['exp'] }, claims(), key.privateKeyPem));
    expect(error).toBeInstanceOf(JwtCritHeaderError);
  });
});

describe('tid must fit in every key', () => {
  const cjk = (n: number) => '漢'.repeat(n); // 3 UTF-8 bytes, 9 once URI-encoded

  it('counts the encoded bytes of the longest key, not characters', () => {
    // The cleanup marker's sort key "TENANT#<tid>#APP#<26>" is the first over its limit (1,024 bytes):
    // 7 + 9 × 109 + 5 + 26 = 1,019 fits, 7 + 9 × 110 + 5 + 26 = 1,028 does not.
    expect(tenantIdFitsKeys(cjk(109))).toBe(true);
    expect(tenantIdFitsKeys(cjk(110))).toBe(false);
    expect(tenantIdFitsKeys('t'.repeat(256))).toBe(true);
    expect(tenantIdFitsKeys('#'.repeat(256))).toBe(true); // %23: 7 + 768 + 31 = 806
  });

  it('refuses a tid that is not well-formed Unicode (it cannot be URI-encoded into a key)', () => {
    expect(tenantIdFitsKeys('acme\uD800')).toBe(false);
    expect(tenantIdFitsKeys('acme\uDC00x')).toBe(false);
    expect(tenantIdFitsKeys('acme😀')).toBe(true);
  });

  it.each([
    ['226 CJK characters (past the partition key limit)', cjk(226)],
    ['110 CJK characters (past the cleanup marker sort key limit)', cjk(110)],
    ['a lone surrogate', 'acme\uD800'],
  ])('rejects a token whose tid is %s', async (_, tid) => {
    expect(await rejection(signJwt(claims({ tid }), key.privateKeyPem, key.kid))).toBeInstanceOf(JwtContractClaimError);
  });

  it('accepts 109 CJK characters', async () => {
    await expect(verifier.verify(signJwt(claims({ tid: cjk(109) }), key.privateKeyPem, key.kid))).resolves.toMatchObject({ tid: cjk(109) });
  });
});

describe('tid and sub are stored and shown: one line of text', () => {
  it.each([
    ['tid with a NUL', { tid: 'acme\u0000' }],
    ['tid with a line feed', { tid: 'acme\nroot' }],
    ['sub with an escape sequence', { sub: 'user\u001b[2J' }],
    ['sub with a lone surrogate', { sub: 'user\udfff' }],
  ])('rejects a %s', async (_, extra) => {
    expect(await rejection(signJwt(claims(extra), key.privateKeyPem, key.kid))).toBeInstanceOf(JwtContractClaimError);
  });

  it('accepts any other Unicode in them', async () => {
    const token = signJwt(claims({ tid: 'ácme 漢 😀', sub: 'Zoë' }), key.privateKeyPem, key.kid);
    await expect(verifier.verify(token)).resolves.toMatchObject({ tid: 'ácme 漢 😀', sub: 'Zoë' });
  });
});
