/**
 * The App as callers see it (contract §4): fields in a stable order, never-set optionals absent,
 * internals (`version`) left out, and the client secret only when the caller passes it (create's 201).
 */
import type { AppRecord } from '../model.ts';

export function toAppView(app: AppRecord, clientSecret?: string): Record<string, unknown> {
  const { authentication_protocol, ...client } = app.first_client;
  const view: Record<string, unknown> = {
    app_id: app.app_id,
    tenant_id: app.tenant_id,
    app_name: app.app_name,
    app_description: app.app_description,
    login_uri: app.login_uri,
    invite_member_uri: app.invite_member_uri,
    b2b_invite_journey_id: app.b2b_invite_journey_id,
    invite_member_email_expiration_minutes: app.invite_member_email_expiration_minutes,
    refresh_token_invalidation_trigger_configuration: app.refresh_token_invalidation_trigger_configuration,
    subdomain: app.subdomain,
    custom_domain: app.custom_domain,
    pkce: app.pkce,
    client_id: app.client_id,
    client_secret: clientSecret,
    first_client: { authentication_protocol, client_id: app.client_id, ...client },
    created_at: app.created_at,
    created_by: app.created_by,
    updated_at: app.updated_at,
  };
  for (const key of Object.keys(view)) if (view[key] === undefined) delete view[key];
  return view;
}
