import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { adminToken, payloadOf, token } from '../fixtures/tokens.ts';

describe('POST /v1/management/applications', () => {
  it('creates an app with defaults and returns the secret once (201)', async () => {
    const tenant = uniqueTenant();
    // created_by is the caller's sub: "alice" locally, whatever the token command's issuer puts there otherwise.
    const bearer = adminToken(tenant, { sub: 'alice' });
    const res = await call('POST', APPS, { token: bearer, body: { app_name: 'Billing' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const app = res.body.result;
    expect(app).toMatchObject({
      tenant_id: tenant,
      app_name: 'Billing',
      invite_member_email_expiration_minutes: 2880,
      refresh_token_invalidation_trigger_configuration: {
        invalidateOnMemberSuspension: true,
        invalidateOnMemberPasswordReset: true,
        invalidateOnMemberRoleUpdate: true,
      },
      created_by: payloadOf(bearer).sub,
      first_client: {
        authentication_protocol: 'oidc',
        name: 'Billing',
        client_type: 'web',
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        response_types: ['code', 'id_token'],
        short_cookies_samesite_type: 'lax',
      },
    });
    expect(app.app_id).toMatch(/^[0-9a-z]{26}$/);
    expect(app.client_id).toMatch(/^[0-9a-z]{24}$/);
    expect(app.first_client.client_id).toBe(app.client_id);
    expect(Buffer.from(app.client_secret, 'base64url').length).toBe(32);
    expect(app.created_at).toBe(app.updated_at);
    expect(new Date(app.created_at).toISOString()).toBe(app.created_at);
    // Never-set optionals are absent, not null.
    for (const field of ['app_description', 'login_uri', 'subdomain', 'custom_domain', 'pkce', 'b2b_invite_journey_id']) {
      expect(app).not.toHaveProperty(field);
    }
  });

  it('stores every field of an OIDC app', async () => {
    const subdomain = uniqueLabel('oidc');
    const body = {
      app_name: 'Portal',
      app_description: 'Org admin portal',
      login_uri: 'https://portal.example.com/login',
      invite_member_uri: 'http://localhost:5173/invite',
      b2b_invite_journey_id: 'journey-1',
      invite_member_email_expiration_minutes: 60,
      refresh_token_invalidation_trigger_configuration: { invalidateOnMemberSuspension: false },
      first_client_authentication_protocol: 'oidc',
      first_client: {
        name: 'Portal client',
        redirect_uris: ['https://portal.example.com/cb'],
        client_type: 'native',
        resources: ['res-1'],
        allowed_scopes: ['openid'],
        pkce: 'allowPkceAlongsideClientCredentials',
        token_endpoint_auth_method: 'private_key_jwt',
        response_types: ['code'],
        supported_prompts: ['login'],
        token_expiration: { access_token_ttl: 300, refresh_token_ttl: 3600, max_refresh_rotate: 5 },
        session_expiration: 7200,
        device_authorization: {
          enabled: true,
          approval_uri: 'https://a.example.com',
          success_uri: 'https://s.example.com',
          input_uri: 'https://i.example.com',
        },
        ciba_authorization: { enabled: false },
        is_third_party: false,
        enforce_par: true,
        short_cookies_samesite_type: 'none',
        role_ids: ['role_a', 'role-b'],
      },
      subdomain,
      custom_domain: `${subdomain}.example.com`,
      pkce: 'enforcePkceInsteadOfClientCredentials',
    };
    const res = await call('POST', APPS, { token: adminToken(uniqueTenant()), body });
    expect(res.status).toBe(201);
    const app = res.body.result;
    const {
      first_client_authentication_protocol: _,
      first_client,
      custom_domain,
      refresh_token_invalidation_trigger_configuration,
      ...scalars
    } = body;
    expect(app).toMatchObject(scalars);
    expect(app.refresh_token_invalidation_trigger_configuration).toEqual({
      invalidateOnMemberSuspension: false,
      invalidateOnMemberPasswordReset: true,
      invalidateOnMemberRoleUpdate: true,
    });
    expect(app.custom_domain).toEqual({ domain: custom_domain, status: 'pending', updated_at: app.created_at });
    expect(app.first_client).toEqual({ authentication_protocol: 'oidc', client_id: app.client_id, ...first_client });
  });

  it('creates a SAML app', async () => {
    const first_client = {
      name: 'SAML SP',
      sp_entity_id: 'urn:sp:example',
      sp_acs_url: 'https://sp.example.com/acs',
      sp_name_id_type: 'email',
      sign_assertion: true,
      optional_acs_url: false,
      use_centralized_login: true,
      supported_prompts: ['consent'],
      resources: ['r'],
      role_ids: ['admin'],
    };
    const res = await call('POST', APPS, {
      token: adminToken(uniqueTenant()),
      body: { app_name: 'SAML app', first_client_authentication_protocol: 'saml', first_client },
    });
    expect(res.status).toBe(201);
    expect(res.body.result.first_client).toEqual({
      authentication_protocol: 'saml',
      client_id: res.body.result.client_id,
      ...first_client,
    });
  });

  // Each claim the grant can come in is a token of its own making; the token command issues one form.
  localOnly(NEEDS.signingKey).it('accepts a client with only apps:create (via ts_permissions, permissions or scope)', async () => {
    for (const grant of [{ ts_permissions: ['apps:create'] }, { permissions: ['apps:create'] }, { scope: 'openid apps:create' }]) {
      const res = await call('POST', APPS, { token: token({ tid: uniqueTenant(), ...grant }), body: { app_name: 'x' } });
      expect(res.status, JSON.stringify(grant)).toBe(201);
    }
  });

  describe('400: invalid bodies name the field and store nothing', () => {
    const cases: [string, unknown, string][] = [
      ['missing app_name', {}, 'app_name'],
      ['blank app_name', { app_name: '   ' }, 'app_name'],
      ['app_name too long', { app_name: 'x'.repeat(101) }, 'app_name'],
      ['description too long', { app_name: 'a', app_description: 'd'.repeat(501) }, 'app_description'],
      ['http login_uri', { app_name: 'a', login_uri: 'http://evil.example.com' }, 'login_uri'],
      ['relative invite uri', { app_name: 'a', invite_member_uri: '/invite' }, 'invite_member_uri'],
      ['expiration 0', { app_name: 'a', invite_member_email_expiration_minutes: 0 }, 'invite_member_email_expiration_minutes'],
      ['expiration fraction', { app_name: 'a', invite_member_email_expiration_minutes: 1.5 }, 'invite_member_email_expiration_minutes'],
      ['expiration too high', { app_name: 'a', invite_member_email_expiration_minutes: 43201 }, 'invite_member_email_expiration_minutes'],
      ['upper-case subdomain', { app_name: 'a', subdomain: 'MyApp' }, 'subdomain'],
      ['subdomain with leading dash', { app_name: 'a', subdomain: '-app' }, 'subdomain'],
      ['one-label domain', { app_name: 'a', custom_domain: 'localhost' }, 'custom_domain'],
      ['unknown pkce', { app_name: 'a', pkce: 'sometimes' }, 'pkce'],
      ['unknown protocol', { app_name: 'a', first_client_authentication_protocol: 'ldap' }, 'first_client_authentication_protocol'],
      ['saml without first_client', { app_name: 'a', first_client_authentication_protocol: 'saml' }, 'first_client'],
      ['oidc client without redirect_uris', { app_name: 'a', first_client: { name: 'c' } }, 'first_client.redirect_uris'],
      [
        'bad redirect uri',
        { app_name: 'a', first_client: { name: 'c', redirect_uris: ['https://ok.example.com', 'ftp://x'] } },
        'first_client.redirect_uris.1',
      ],
      [
        'too many redirect uris',
        { app_name: 'a', first_client: { name: 'c', redirect_uris: Array(21).fill('https://x.example.com') } },
        'first_client.redirect_uris',
      ],
      [
        'saml client under oidc',
        { app_name: 'a', first_client: { name: 'c', sp_entity_id: 'x', redirect_uris: [] } },
        'first_client.sp_entity_id',
      ],
      [
        'device authorization incomplete',
        { app_name: 'a', first_client: { name: 'c', redirect_uris: [], device_authorization: { enabled: true } } },
        'first_client.device_authorization.approval_uri',
      ],
      [
        'duplicate role ids',
        { app_name: 'a', first_client: { name: 'c', redirect_uris: [], role_ids: ['r', 'r'] } },
        'first_client.role_ids',
      ],
      ['bad role id', { app_name: 'a', first_client: { name: 'c', redirect_uris: [], role_ids: ['r#1'] } }, 'first_client.role_ids.0'],
      [
        'unknown response type',
        { app_name: 'a', first_client: { name: 'c', redirect_uris: [], response_types: ['token'] } },
        'first_client.response_types.0',
      ],
      [
        'zero ttl',
        { app_name: 'a', first_client: { name: 'c', redirect_uris: [], token_expiration: { access_token_ttl: 0 } } },
        'first_client.token_expiration.access_token_ttl',
      ],
      [
        'saml without sp_entity_id',
        { app_name: 'a', first_client_authentication_protocol: 'saml', first_client: { name: 'c' } },
        'first_client.sp_entity_id',
      ],
      ['unknown field', { app_name: 'a', colour: 'blue' }, 'colour'],
      [
        'non-boolean trigger',
        { app_name: 'a', refresh_token_invalidation_trigger_configuration: { invalidateOnMemberSuspension: 'yes' } },
        'refresh_token_invalidation_trigger_configuration.invalidateOnMemberSuspension',
      ],
    ];
    it.each(cases)('%s', async (_, body, path) => {
      const tenant = uniqueTenant();
      const res = await call('POST', APPS, { token: adminToken(tenant), body });
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe(400);
      expect(res.body.message).toContain(path);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      const list = await call('GET', APPS, { token: adminToken(tenant) });
      expect(list.body.result).toEqual([]);
    });

    it.each(['app_id', 'tenant_id', 'client_id', 'client_secret', 'created_at', 'created_by', 'updated_at'])(
      'read-only field %s is refused by name (no mass assignment)',
      async (field) => {
        const res = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'a', [field]: 'x' } });
        expect(res.status).toBe(400);
        expect(res.body.errors).toContainEqual({ path: field, message: `Field "${field}" is read-only` });
      },
    );

    it('rejects a body that is not an object', async () => {
      for (const body of [[], 'text', 42, null]) {
        const res = await call('POST', APPS, { token: adminToken(uniqueTenant()), body });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
    });
  });

  it('400 for malformed JSON, and for an empty body', async () => {
    const malformed = await call('POST', APPS, {
      token: adminToken(uniqueTenant()),
      rawBody: '{"app_name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ message: 'Malformed JSON in request body', error_code: 400 });
    const empty = await call('POST', APPS, { token: adminToken(uniqueTenant()), headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
  });

  it('415 for a body that is not application/json', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp']) {
      const res = await call('POST', APPS, {
        token: adminToken(uniqueTenant()),
        rawBody: '{"app_name":"a"}',
        headers: { 'content-type': type },
      });
      expect(res.status, type).toBe(415);
      expect(res.body).toEqual({ message: 'Content-Type must be application/json', error_code: 415 });
    }
    const withCharset = await call('POST', APPS, {
      token: adminToken(uniqueTenant()),
      rawBody: '{"app_name":"a"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(withCharset.status).toBe(201);
  });

  it('413 for a body over 64 KiB', async () => {
    const tenant = uniqueTenant();
    const res = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'a', app_description: 'x'.repeat(65 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.error_code).toBe(413);
    expect((await call('GET', APPS, { token: adminToken(tenant) })).body.result).toEqual([]);
  });

  it('409 when the subdomain or custom domain is taken, in any tenant', async () => {
    const subdomain = uniqueLabel('taken');
    const domain = `${uniqueLabel('dom')}.example.com`;
    const first = await call('POST', APPS, {
      token: adminToken(uniqueTenant()),
      body: { app_name: 'a', subdomain, custom_domain: domain },
    });
    expect(first.status).toBe(201);

    const otherTenant = uniqueTenant();
    const sameSub = await call('POST', APPS, { token: adminToken(otherTenant), body: { app_name: 'b', subdomain } });
    expect(sameSub.status).toBe(409);
    expect(sameSub.body).toEqual({ message: 'The subdomain is already taken', error_code: 409, ts_error_code: 'SUBDOMAIN_TAKEN' });

    // The free subdomain claimed before the domain conflict is released again: nothing half-done.
    const freeSub = uniqueLabel('free');
    const sameDomain = await call('POST', APPS, {
      token: adminToken(otherTenant),
      body: { app_name: 'c', subdomain: freeSub, custom_domain: domain },
    });
    expect(sameDomain.status).toBe(409);
    expect(sameDomain.body.ts_error_code).toBe('CUSTOM_DOMAIN_TAKEN');
    expect((await call('GET', APPS, { token: adminToken(otherTenant) })).body.result).toEqual([]);
    const reuse = await call('POST', APPS, { token: adminToken(otherTenant), body: { app_name: 'd', subdomain: freeSub } });
    expect(reuse.status).toBe(201);
  });
});
