/** The App in responses (contract §4): one definition of its fields, nothing stored and never shown. */
import { describe, expect, it } from 'vitest';
import { toAppView } from '../../shared/http/app-view.ts';
import type { AppRecord } from '../../shared/model.ts';
import { READ_ONLY_FIELDS } from '../../shared/schemas/app.ts';

const full: AppRecord = {
  app_id: 'a1',
  tenant_id: 't1',
  app_name: 'n',
  app_description: 'd',
  login_uri: 'https://l.example.com',
  invite_member_uri: 'https://i.example.com',
  b2b_invite_journey_id: 'j',
  invite_member_email_expiration_minutes: 5,
  refresh_token_invalidation_trigger_configuration: {
    invalidateOnMemberSuspension: true,
    invalidateOnMemberPasswordReset: false,
    invalidateOnMemberRoleUpdate: true,
  },
  subdomain: 's',
  custom_domain: { domain: 'x.example.com', status: 'pending', updated_at: '2026-01-01T00:00:00.000Z' },
  pkce: 'allowPkceAlongsideClientCredentials',
  client_id: 'c1',
  client_secrets: [{ secret_id: 's1', created_at: '2026-01-01T00:00:00.000Z' }],
  first_client: {
    authentication_protocol: 'oidc',
    name: 'c',
    redirect_uris: [],
    client_type: 'web',
    token_endpoint_auth_method: 'none',
    response_types: ['code'],
    short_cookies_samesite_type: 'lax',
  },
  created_at: '2026-01-01T00:00:00.000Z',
  created_by: 'u',
  updated_at: '2026-01-02T00:00:00.000Z',
  version: 3,
};

describe('the App view', () => {
  it('shows every stored field but the version, in the contract order, the secret only when given', () => {
    expect(Object.keys(toAppView(full, 'secret'))).toEqual([
      'app_id',
      'tenant_id',
      'app_name',
      'app_description',
      'login_uri',
      'invite_member_uri',
      'b2b_invite_journey_id',
      'invite_member_email_expiration_minutes',
      'refresh_token_invalidation_trigger_configuration',
      'subdomain',
      'custom_domain',
      'pkce',
      'client_id',
      'client_secret',
      'client_secrets',
      'first_client',
      'created_at',
      'created_by',
      'updated_at',
    ]);
    expect(toAppView(full).client_secrets).toEqual([{ secret_id: 's1', created_at: '2026-01-01T00:00:00.000Z' }]);
    expect(toAppView(full)).not.toHaveProperty('client_secret');
    expect(toAppView(full)).not.toHaveProperty('version');
    const { authentication_protocol: _protocol, ...client } = full.first_client;
    expect(toAppView(full).first_client).toEqual({ authentication_protocol: 'oidc', client_id: 'c1', ...client });
  });

  it('leaves never-set optionals out rather than null', () => {
    const { app_description: _d, subdomain: _s, custom_domain: _c, pkce: _p, ...bare } = full;
    const view = toAppView(bare as AppRecord);
    for (const field of ['app_description', 'subdomain', 'custom_domain', 'pkce']) expect(view).not.toHaveProperty(field);
  });

  it('a field stored beyond the known ones is shown too: nothing stored is silently hidden', () => {
    expect(toAppView({ ...full, verification_token_id: 'v1' } as AppRecord)).toHaveProperty('verification_token_id');
  });

  it('the fields the service owns are read-only to callers', () => {
    expect([...READ_ONLY_FIELDS].sort()).toEqual([
      'app_id',
      'client_id',
      'client_secret',
      'client_secrets',
      'created_at',
      'created_by',
      'tenant_id',
      'updated_at',
    ]);
  });
});
