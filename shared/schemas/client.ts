/** The first client of an app (contract §3.1): an OIDC or a SAML client input. */
import * as v from 'valibot';
import { AbsoluteUrl, NonBlank, PkceMode, PositiveInt, RoleIds, StringList, SupportedPrompts, Text } from './fields.ts';

export const OidcClientInput = v.strictObject({
  name: NonBlank(100),
  description: v.optional(Text(500)),
  redirect_uris: v.pipe(v.array(AbsoluteUrl), v.maxLength(20)),
  client_type: v.optional(v.picklist(['web', 'native']), 'web'),
  resources: v.optional(StringList),
  allowed_scopes: v.optional(StringList),
  pkce: v.optional(PkceMode),
  token_endpoint_auth_method: v.optional(
    v.picklist(['client_secret_basic', 'self_signed_tls_client_auth', 'tls_client_auth', 'none', 'private_key_jwt']),
    'client_secret_basic',
  ),
  response_types: v.optional(
    v.pipe(v.array(v.picklist(['code', 'id_token'])), v.minLength(1), v.maxLength(2)),
    () => ['code', 'id_token'] as ('code' | 'id_token')[],
  ),
  supported_prompts: v.optional(SupportedPrompts),
  token_expiration: v.optional(
    v.strictObject({
      access_token_ttl: v.optional(PositiveInt),
      refresh_token_ttl: v.optional(PositiveInt),
      max_refresh_rotate: v.optional(PositiveInt),
    }),
  ),
  session_expiration: v.optional(PositiveInt),
  device_authorization: v.optional(
    v.strictObject({
      enabled: v.boolean(),
      approval_uri: AbsoluteUrl,
      success_uri: AbsoluteUrl,
      input_uri: AbsoluteUrl,
    }),
  ),
  ciba_authorization: v.optional(
    v.strictObject({
      enabled: v.boolean(),
      login_uri: v.optional(AbsoluteUrl),
    }),
  ),
  is_third_party: v.optional(v.boolean()),
  enforce_par: v.optional(v.boolean()),
  short_cookies_samesite_type: v.optional(v.picklist(['lax', 'none']), 'lax'),
  role_ids: v.optional(RoleIds),
});

export const SamlClientInput = v.strictObject({
  name: NonBlank(100),
  description: v.optional(Text(500)),
  sp_entity_id: NonBlank(1024),
  sp_acs_url: v.optional(AbsoluteUrl),
  sp_name_id_type: v.optional(v.picklist(['email', 'secondaryEmail', 'username', 'phoneNumber', 'externalUserId'])),
  sign_assertion: v.optional(v.boolean()),
  optional_acs_url: v.optional(v.boolean()),
  use_centralized_login: v.optional(v.boolean()),
  supported_prompts: v.optional(SupportedPrompts),
  resources: v.optional(StringList),
  role_ids: v.optional(RoleIds),
});

export type OidcClient = v.InferOutput<typeof OidcClientInput>;
export type SamlClient = v.InferOutput<typeof SamlClientInput>;
export type AuthenticationProtocol = 'oidc' | 'saml';

/**
 * What a response's `first_client` shows beyond the input (http/app-view.ts): its protocol (set by
 * `first_client_authentication_protocol`) and the app's `client_id`. A body naming one is refused as
 * read-only, as at the top level.
 */
export const FIRST_CLIENT_READ_ONLY_FIELDS: ReadonlySet<string> = new Set(['authentication_protocol', 'client_id']);

/** The stored first client: the validated input, tagged with its protocol. */
export type FirstClient = ({ authentication_protocol: 'oidc' } & OidcClient) | ({ authentication_protocol: 'saml' } & SamlClient);

/** The client an app gets when the caller sends none (contract §3, default of `first_client`). */
export function defaultOidcClient(appName: string): FirstClient {
  return {
    authentication_protocol: 'oidc',
    ...v.parse(OidcClientInput, { name: appName, redirect_uris: [] }),
  };
}
