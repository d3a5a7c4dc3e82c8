import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/db/keys.ts';
import { InvalidRequest } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../../shared/http/cursor.ts';
import { APP_ID_PATTERN } from '../../shared/schemas/ids.ts';
import { hashSecret, newAppId, newClientId, newClientSecret } from '../../shared/service/credentials.ts';

describe('keys', () => {
  it('put the tenant in every app key and keep tenants from spelling each other', () => {
    expect(keys.app('acme', 'x')).toEqual({ PK: 'TENANT#acme', SK: 'APP#x' });
    expect(keys.role('acme', 'x', 'r')).toEqual({ PK: 'TENANT#acme#APP#x', SK: 'ROLE#r' });
    expect(keys.client('acme', 'x', 'c')).toEqual({ PK: 'TENANT#acme#APP#x', SK: 'CLIENT#c' });
    expect(keys.tenantApps('acme#APP#x')).not.toBe(keys.collection('acme', 'x'));
    expect(keys.tenantApps('a%23')).not.toBe(keys.tenantApps('a#'));
  });

  it('separate subdomain and domain claims', () => {
    expect(keys.claim('subdomain', 'myapp')).toEqual({ PK: 'SUBDOMAIN#myapp', SK: 'CLAIM' });
    expect(keys.claim('custom_domain', 'myapp.com')).toEqual({ PK: 'DOMAIN#myapp.com', SK: 'CLAIM' });
  });
});

describe('identifiers', () => {
  it('app ids are 26 chars and sort by creation time', () => {
    const ids = [0, 1, 1000, 86_400_000].map((offset) => newAppId(new Date(Date.UTC(2026, 10, 26) + offset)));
    for (const id of ids) expect(id).toMatch(APP_ID_PATTERN);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => newAppId(new Date()))).size).toBe(1000);
  });

  it('client ids and secrets are long and random; the hash is deterministic and not the secret', () => {
    expect(newClientId()).toMatch(/^[0-9a-z]{24}$/);
    const secret = newClientSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(newClientSecret()).not.toBe(secret);
    expect(hashSecret(secret)).toBe(hashSecret(secret));
    expect(hashSecret(secret)).not.toContain(secret);
    expect(hashSecret(secret)).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
  });
});

describe('cursor', () => {
  it('round-trips an app id', () => {
    const id = newAppId(new Date());
    expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it.each([
    '',
    'x',
    Buffer.from('{"after":"APP#1"}').toString('base64url'),
    Buffer.from('{"after":"01m8c9a932zdsepkhrpqvj03dn","tid":"b"}').toString('base64url'),
  ])('rejects %j', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidRequest);
  });
});
