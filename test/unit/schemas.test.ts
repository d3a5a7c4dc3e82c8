import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CreateAppBody, UpdateAppBody } from '../../shared/schemas/app.ts';
import { AbsoluteUrl, CustomDomain, Subdomain } from '../../shared/schemas/fields.ts';

const ok = (schema: v.GenericSchema, value: unknown) => v.safeParse(schema, value).success;

describe('field rules', () => {
  it('URLs: https anywhere, http only on loopback', () => {
    expect(ok(AbsoluteUrl, 'https://example.com/cb?x=1')).toBe(true);
    expect(ok(AbsoluteUrl, 'http://localhost:3000/cb')).toBe(true);
    expect(ok(AbsoluteUrl, 'http://127.0.0.1/cb')).toBe(true);
    expect(ok(AbsoluteUrl, 'http://example.com/cb')).toBe(false);
    expect(ok(AbsoluteUrl, 'http://localhost.evil.com/cb')).toBe(false);
    expect(ok(AbsoluteUrl, 'javascript:alert(1)')).toBe(false);
    expect(ok(AbsoluteUrl, '/relative')).toBe(false);
    expect(ok(AbsoluteUrl, `https://example.com/${'a'.repeat(2030)}`)).toBe(false);
  });

  it('subdomain: a lower-case DNS label of 1-63', () => {
    for (const good of ['a', 'my-app', '0x1', 'a'.repeat(63)]) expect(ok(Subdomain, good), good).toBe(true);
    for (const bad of ['', 'A', 'my_app', '-a', 'a-', 'a.b', 'a'.repeat(64), 'ü']) expect(ok(Subdomain, bad), bad).toBe(false);
  });

  it('custom domain: lower-case host, two labels or more, at most 253', () => {
    for (const good of ['myapp.com', 'a.b.c.example.org', 'xn--bcher-kva.example']) expect(ok(CustomDomain, good), good).toBe(true);
    for (const bad of ['com', 'MyApp.com', 'my_app.com', 'a..b', '.a.b', 'a.b.', `${`${'a'.repeat(60)}.`.repeat(5)}com`]) {
      expect(ok(CustomDomain, bad), bad).toBe(false);
    }
  });
});

describe('CreateAppBody', () => {
  it('applies the defaults', () => {
    expect(v.parse(CreateAppBody, { app_name: 'x' })).toEqual({
      app_name: 'x',
      first_client_authentication_protocol: 'oidc',
      invite_member_email_expiration_minutes: 2880,
      refresh_token_invalidation_trigger_configuration: {
        invalidateOnMemberSuspension: true,
        invalidateOnMemberPasswordReset: true,
        invalidateOnMemberRoleUpdate: true,
      },
    });
  });

  it('chooses the client schema by protocol', () => {
    expect(
      ok(CreateAppBody, { app_name: 'x', first_client_authentication_protocol: 'saml', first_client: { name: 'n', sp_entity_id: 'e' } }),
    ).toBe(true);
    expect(ok(CreateAppBody, { app_name: 'x', first_client: { name: 'n', sp_entity_id: 'e' } })).toBe(false);
    expect(
      ok(CreateAppBody, { app_name: 'x', first_client_authentication_protocol: 'saml', first_client: { name: 'n', redirect_uris: [] } }),
    ).toBe(false);
  });

  it('limits role ids to 50 unique safe ids', () => {
    const client = (role_ids: string[]) => ({ app_name: 'x', first_client: { name: 'n', redirect_uris: [], role_ids } });
    expect(ok(CreateAppBody, client(Array.from({ length: 50 }, (_, i) => `r${i}`)))).toBe(true);
    expect(ok(CreateAppBody, client(Array.from({ length: 51 }, (_, i) => `r${i}`)))).toBe(false);
    expect(ok(CreateAppBody, client(['a'.repeat(129)]))).toBe(false);
  });
});

describe('UpdateAppBody', () => {
  it('has no defaults, so omitted fields stay omitted', () => {
    expect(v.parse(UpdateAppBody, {})).toEqual({});
  });

  it('lets null clear the clearable scalars only', () => {
    for (const field of [
      'app_description',
      'login_uri',
      'invite_member_uri',
      'b2b_invite_journey_id',
      'subdomain',
      'custom_domain',
      'pkce',
    ]) {
      expect(ok(UpdateAppBody, { [field]: null }), field).toBe(true);
    }
    for (const field of [
      'app_name',
      'invite_member_email_expiration_minutes',
      'refresh_token_invalidation_trigger_configuration',
      'first_client',
    ]) {
      expect(ok(UpdateAppBody, { [field]: null }), field).toBe(false);
    }
  });
});
