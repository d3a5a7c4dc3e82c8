import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { versionsFromIfMatch } from '../../shared/http/responses.ts';
import type { AppRecord } from '../../shared/model.ts';
import { UpdateAppBody } from '../../shared/schemas/app.ts';
import { applyPatch } from '../../shared/service/app-service.ts';

const stored: AppRecord = {
  app_id: 'a',
  tenant_id: 't',
  version: 4,
  app_name: 'n',
  app_description: 'd',
  subdomain: 's',
  invite_member_email_expiration_minutes: 10,
  refresh_token_invalidation_trigger_configuration: {
    invalidateOnMemberSuspension: false,
    invalidateOnMemberPasswordReset: false,
    invalidateOnMemberRoleUpdate: false,
  },
  custom_domain: { domain: 'x.com', status: 'verified', updated_at: '2026-01-01T00:00:00.000Z' },
  client_id: 'c',
  first_client: {
    authentication_protocol: 'oidc',
    name: 'c',
    redirect_uris: [],
    client_type: 'web',
    token_endpoint_auth_method: 'client_secret_basic',
    response_types: ['code'],
    short_cookies_samesite_type: 'lax',
    role_ids: ['r'],
  },
  client_secrets: [{ secret_id: 's1', created_at: '2026-01-01T00:00:00.000Z' }],
  created_at: '2026-01-01T00:00:00.000Z',
  created_by: 'u',
  updated_at: '2026-01-01T00:00:00.000Z',
};
const now = new Date('2026-06-01T00:00:00.000Z');
const patch = (body: unknown) => applyPatch(stored, v.parse(UpdateAppBody, body), now);

describe('applyPatch', () => {
  it('keeps omitted fields and bumps version and updated_at', () => {
    expect(patch({})).toEqual({ ...stored, version: 5, updated_at: now.toISOString() });
  });

  it('clears null fields', () => {
    const next = patch({ app_description: null, subdomain: null, custom_domain: null });
    expect(next).not.toHaveProperty('app_description');
    expect(next).not.toHaveProperty('subdomain');
    expect(next).not.toHaveProperty('custom_domain');
  });

  it('keeps the domain status when the same domain is sent, resets it for a new one', () => {
    expect(patch({ custom_domain: 'x.com' }).custom_domain).toEqual(stored.custom_domain);
    expect(patch({ custom_domain: 'y.com' }).custom_domain).toEqual({ domain: 'y.com', status: 'pending', updated_at: now.toISOString() });
  });

  it('replaces object fields whole', () => {
    expect(patch({ refresh_token_invalidation_trigger_configuration: {} }).refresh_token_invalidation_trigger_configuration).toEqual({
      invalidateOnMemberSuspension: true,
      invalidateOnMemberPasswordReset: true,
      invalidateOnMemberRoleUpdate: true,
    });
    expect(patch({ first_client: { name: 'new', redirect_uris: [] } }).first_client).not.toHaveProperty('role_ids');
  });
});

describe('If-Match', () => {
  it('reads the versions a header accepts: a tag, weak or in a list; * accepts any', () => {
    expect(versionsFromIfMatch('"4"')).toEqual([4]);
    expect(versionsFromIfMatch('W/"4"')).toEqual([4]);
    expect(versionsFromIfMatch('"1", "4"')).toEqual([1, 4]);
    expect(versionsFromIfMatch('*')).toBeUndefined();
    expect(versionsFromIfMatch(undefined)).toBeUndefined();
  });

  it('a tag that is not one of ours accepts no version', () => {
    for (const header of ['4', '"04"', '', '"x"', '"-1"', '"1.5"']) expect(versionsFromIfMatch(header), header).toEqual([]);
  });
});
