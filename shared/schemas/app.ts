/**
 * Request bodies of contract §3. The first client is chosen by `first_client_authentication_protocol`
 * through a valibot `variant`, so a SAML client sent under `oidc` (or the reverse) fails on its own
 * field names instead of being half-accepted.
 */
import * as v from 'valibot';
import { OidcClientInput, SamlClientInput } from './client.ts';
import { AbsoluteUrl, CustomDomain, Line, NonBlank, PkceMode, Subdomain, Text } from './fields.ts';

const InvalidationTriggers = v.strictObject({
  invalidateOnMemberSuspension: v.optional(v.boolean(), true),
  invalidateOnMemberPasswordReset: v.optional(v.boolean(), true),
  invalidateOnMemberRoleUpdate: v.optional(v.boolean(), true),
});

const ALL_TRIGGERS_ON = () => v.parse(InvalidationTriggers, {});

const JourneyId = v.pipe(Line, v.minLength(1), v.maxLength(128));
const ExpirationMinutes = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(43200));

/** The fields a caller sets on create (and, clearable, on update), in the order responses show them. */
export const SETTABLE_FIELDS = {
  app_name: NonBlank(100),
  app_description: v.optional(Text(500)),
  login_uri: v.optional(AbsoluteUrl),
  invite_member_uri: v.optional(AbsoluteUrl),
  b2b_invite_journey_id: v.optional(JourneyId),
  invite_member_email_expiration_minutes: v.optional(ExpirationMinutes, 2880),
  refresh_token_invalidation_trigger_configuration: v.optional(InvalidationTriggers, ALL_TRIGGERS_ON),
  subdomain: v.optional(Subdomain),
  custom_domain: v.optional(CustomDomain),
  pkce: v.optional(PkceMode),
};

export const CreateAppBody = v.variant('first_client_authentication_protocol', [
  v.strictObject({
    ...SETTABLE_FIELDS,
    first_client_authentication_protocol: v.optional(v.literal('oidc'), 'oidc'),
    first_client: v.optional(OidcClientInput),
  }),
  v.strictObject({
    ...SETTABLE_FIELDS,
    first_client_authentication_protocol: v.literal('saml'),
    first_client: SamlClientInput,
  }),
]);

/** `null` clears these on update (contract §3, Update). */
const clearable = <T extends v.GenericSchema>(schema: T) => v.optional(v.nullable(schema));

const updateFields = {
  app_name: v.optional(NonBlank(100)),
  app_description: clearable(Text(500)),
  login_uri: clearable(AbsoluteUrl),
  invite_member_uri: clearable(AbsoluteUrl),
  b2b_invite_journey_id: clearable(JourneyId),
  invite_member_email_expiration_minutes: v.optional(ExpirationMinutes),
  refresh_token_invalidation_trigger_configuration: v.optional(InvalidationTriggers),
  subdomain: clearable(Subdomain),
  custom_domain: clearable(CustomDomain),
  pkce: clearable(PkceMode),
};

export const UpdateAppBody = v.pipe(
  v.variant('first_client_authentication_protocol', [
    v.strictObject({
      ...updateFields,
      first_client_authentication_protocol: v.optional(v.literal('oidc')),
      first_client: v.optional(OidcClientInput),
    }),
    v.strictObject({
      ...updateFields,
      first_client_authentication_protocol: v.literal('saml'),
      first_client: SamlClientInput,
    }),
  ]),
  // A protocol alone would leave the stored client under the wrong protocol: it travels with a client.
  v.forward(
    v.check(
      (body) => body.first_client_authentication_protocol === undefined || body.first_client !== undefined,
      'first_client is required when first_client_authentication_protocol is sent',
    ),
    ['first_client'],
  ),
);

export type CreateAppInput = v.InferOutput<typeof CreateAppBody>;
export type UpdateAppInput = v.InferOutput<typeof UpdateAppBody>;
export type InvalidationTriggerConfig = v.InferOutput<typeof InvalidationTriggers>;

/**
 * Fields the service sets and shows: with SETTABLE_FIELDS, `first_client`, `client_secrets` and
 * `client_secret` (create's 201 only), every field of an App in a response. Read-only to callers.
 */
export const SERVICE_FIELDS = ['app_id', 'tenant_id', 'client_id', 'created_at', 'created_by', 'updated_at'] as const;

/** A body naming one of these is refused by name, never silently ignored (no mass assignment). */
export const READ_ONLY_FIELDS: ReadonlySet<string> = new Set([...SERVICE_FIELDS, 'client_secret', 'client_secrets']);
