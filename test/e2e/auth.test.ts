/** Contract §2 over HTTP: every rejection is a 401 (or 403) with the contract's body and challenge. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../../infra/local/jwt-sign.ts';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { adminToken, claims, payloadOf, permissionsToken, runtime, token } from '../fixtures/tokens.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function withoutClaim(name: string) {
  const payload = claims({ role: 'Admin' });
  delete payload[name];
  return signJwt(payload, runtime().key.privateKeyPem, runtime().key.kid);
}

/** Made with the test signing key, which only the local runtime trusts. */
const forgedWithTheTestKey: [string, () => string][] = [
  ['expired', () => token({ role: 'Admin', exp: now() - 120 })],
  ['without exp', () => withoutClaim('exp')],
  ['not yet valid (nbf)', () => token({ role: 'Admin', nbf: now() + 300 })],
  ['issued in the future (iat)', () => token({ role: 'Admin', iat: now() + 300 })],
  ['wrong iss', () => token({ role: 'Admin', iss: 'https://evil.example' })],
  ['wrong aud', () => token({ role: 'Admin', aud: 'another-api' })],
  ['without tid', () => withoutClaim('tid')],
  ['empty tid', () => token({ role: 'Admin', tid: '' })],
  ['absurdly long tid', () => token({ role: 'Admin', tid: 't'.repeat(257) })],
  ['tid that is not a string', () => token({ role: 'Admin', tid: 42 })],
  [
    'HS256 signed with the public key',
    () => {
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: runtime().key.kid })}.${b64(claims({ role: 'Admin' }))}`;
      const secret = JSON.stringify(runtime().publicJwk);
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    },
  ],
  ['unknown kid', () => signJwt(claims({ role: 'Admin' }), runtime().strangerKey.privateKeyPem, runtime().strangerKey.kid)],
  [
    'signed by another key under the trusted kid',
    () => signJwt(claims({ role: 'Admin' }), runtime().strangerKey.privateKeyPem, runtime().key.kid),
  ],
];

/** Made from a valid token of the service's own issuer (the token command's, against a deployment). */
const spoiledValidTokens: [string, () => string][] = [
  ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payloadOf(adminToken(uniqueTenant())))}.`],
  [
    'tampered payload',
    () => {
      const reader = permissionsToken(uniqueTenant(), ['apps:read']);
      const [header, payload, signature] = reader.split('.');
      const forged = { ...payloadOf(reader), tid: uniqueTenant(), role: ['Admin'], permissions: ['apps:create', 'apps:read'] };
      expect(b64(forged)).not.toBe(payload);
      return `${header}.${b64(forged)}.${signature}`;
    },
  ],
  ['garbage', () => 'not-a-jwt'],
];

async function expectRejectedEverywhere(make: () => string) {
  const tenant = uniqueTenant();
  const bad = make();
  for (const [method, path, body] of [
    ['POST', APPS, { app_name: 'a' }],
    ['GET', APPS, undefined],
    ['PUT', `${APPS}/01m8c9a932zdsepkhrpqvj03dn`, { app_name: 'b' }],
    ['DELETE', `${APPS}/01m8c9a932zdsepkhrpqvj03dn`, undefined],
    ['GET', `${APPS}/01m8c9a932zdsepkhrpqvj03dn`, undefined],
    ['POST', `${APPS}/01m8c9a932zdsepkhrpqvj03dn/secrets`, undefined],
    ['DELETE', `${APPS}/01m8c9a932zdsepkhrpqvj03dn/secrets/000000000000000000000000`, undefined],
  ] as const) {
    const res = await call(method, path, { token: bad, body });
    expect(res.status, `${method} ${path}`).toBe(401);
    expect(res.body).toEqual({ message: 'Invalid token', error_code: 401 });
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  }
  expect((await call('GET', APPS, { token: adminToken(tenant) })).body.result).toEqual([]);
}

describe('401: invalid tokens', () => {
  localOnly(NEEDS.signingKey).it.each(forgedWithTheTestKey)('%s', (_, make) => expectRejectedEverywhere(make));
  it.each(spoiledValidTokens)('%s', (_, make) => expectRejectedEverywhere(make));

  it('answers a bare Bearer challenge when there is no Authorization header', async () => {
    const res = await call('GET', APPS);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: 'Invalid token', error_code: 401 });
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('rejects a non-Bearer scheme', async () => {
    const res = await call('GET', APPS, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  localOnly(NEEDS.signingKey).it('accepts a token within the clock skew', async () => {
    const res = await call('GET', APPS, { token: token({ role: 'Admin', tid: uniqueTenant(), exp: now() - 5 }) });
    expect(res.status).toBe(200);
  });
});

describe('403: valid token without the permission', () => {
  const operations = [
    ['POST', APPS, { app_name: 'a' }, 'apps:create'],
    ['GET', APPS, undefined, 'apps:read'],
    ['PUT', `${APPS}/01m8c9a932zdsepkhrpqvj03dn`, { app_name: 'b' }, 'apps:edit'],
    ['DELETE', `${APPS}/01m8c9a932zdsepkhrpqvj03dn`, undefined, 'apps:delete'],
    ['GET', `${APPS}/01m8c9a932zdsepkhrpqvj03dn`, undefined, 'apps:read'],
    ['POST', `${APPS}/01m8c9a932zdsepkhrpqvj03dn/secrets`, undefined, 'apps:edit'],
    ['DELETE', `${APPS}/01m8c9a932zdsepkhrpqvj03dn/secrets/000000000000000000000000`, undefined, 'apps:edit'],
  ] as const;

  it.each(operations)('%s needs %s', async (method, path, body, permission) => {
    const others = ['apps:create', 'apps:read', 'apps:edit', 'apps:delete'].filter((p) => p !== permission);
    const res = await call(method, path, {
      token: permissionsToken(uniqueTenant(), others, { role: ['Viewer'], scope: 'openid profile' }),
      body,
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ message: `Missing permission: ${permission}`, error_code: 403 });
    expect(res.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="${permission}"`);
  });

  it('checks the token before the body (401/403 before 415)', async () => {
    const res = await call('POST', APPS, {
      token: permissionsToken(uniqueTenant(), ['apps:read']),
      rawBody: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(403);
  });
});
