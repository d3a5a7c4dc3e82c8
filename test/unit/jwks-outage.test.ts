/**
 * Contract §2: when the issuer's JWKS cannot be fetched and the token's key is not cached, the answer is
 * 503 with Retry-After, never 401 — the token may well be valid. The real verifier (aws-jwt-verify, https
 * JWKS as deployed) against a JWKS endpoint that refuses connections, behind the real authorizer.
 */
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../../infra/local/jwt-sign.ts';
import { createTokenVerifier } from '../../shared/auth/verifier.ts';
import { Unauthenticated, Unavailable } from '../../shared/errors.ts';
import { authorize } from '../../shared/middleware/authorize.ts';
import { closedPort } from '../fixtures/closed-port.ts';
import { makeTestKey } from '../fixtures/keys.ts';

const ISSUER = 'https://issuer.outage.example';

async function authorizeWith(jwksUri: string, token: string): Promise<unknown> {
  const verifier = createTokenVerifier({ issuers: [ISSUER], audience: 'userid-api', jwksUri });
  const chain = middy<{ caller: unknown }>()
    .use(authorize(verifier, 'apps:read'))
    .handler(async (event: { caller: unknown }) => event.caller);
  const event = { headers: { authorization: `Bearer ${token}` }, log: { request_id: 'r', route: 'x' } };
  return chain(event as never, {} as never).catch((error: unknown) => error);
}

describe('an issuer whose JWKS cannot be fetched', () => {
  const key = makeTestKey('outage-key');
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt(
    { iss: ISSUER, aud: 'userid-api', sub: 'u', tid: 'acme', role: 'Admin', iat: now, exp: now + 300 },
    key.privateKeyPem,
    key.kid,
  );

  it('answers 503 (Unavailable), not 401, for a well-formed token whose key is not cached', async () => {
    const result = await authorizeWith(`https://127.0.0.1:${await closedPort()}/.well-known/jwks.json`, token);
    expect(result).toBeInstanceOf(Unavailable);
  });

  it('still answers 401 for a token that is not even a JWT: no fetch decides that', async () => {
    const result = await authorizeWith(`https://127.0.0.1:${await closedPort()}/.well-known/jwks.json`, 'not.a.jwt');
    expect(result).toBeInstanceOf(Unauthenticated);
  });
});
