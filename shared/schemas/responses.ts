/**
 * Response bodies and headers (contract §1, §4, §7, §9) as valibot schemas, so the OpenAPI document
 * (infra/openapi/) describes responses from the same kind of definition as requests, and the e2e tests
 * can hold every real response to it. Nothing here runs in a Lambda: the view code (http/app-view.ts)
 * builds responses, these describe them. The App's settable fields come from SETTABLE_FIELDS, so a field
 * added there is described here without a change; test/unit/response-schemas.test.ts checks the view's
 * output against these, in type and in value.
 */
import * as v from 'valibot';
import { SETTABLE_FIELDS } from './app.ts';
import { OidcClientInput, SamlClientInput } from './client.ts';
import { CustomDomain } from './fields.ts';
import { AppId, SecretId } from './ids.ts';

/** A field with a default is always stored, so always shown: required in a response. */
type Shown<S> = S extends v.OptionalSchema<infer Wrapped, infer Default> ? (undefined extends Default ? S : Wrapped) : S;
type ShownEntries<E extends v.ObjectEntries> = { [K in keyof E]: Shown<E[K]> };

function shownEntries<E extends v.ObjectEntries>(entries: E): ShownEntries<E> {
  const shown = (schema: v.ObjectEntries[string]) =>
    schema.type === 'optional' && (schema as v.OptionalSchema<v.GenericSchema, unknown>).default !== undefined
      ? (schema as v.OptionalSchema<v.GenericSchema, unknown>).wrapped
      : schema;
  return Object.fromEntries(Object.entries(entries).map(([name, schema]) => [name, shown(schema)])) as ShownEntries<E>;
}

export const Timestamp = v.pipe(v.string(), v.isoTimestamp(), v.description('ISO-8601 UTC timestamp'));

/** 24 characters of lower-case Crockford base32 (service/credentials.ts). */
export const ClientId = v.pipe(v.string(), v.regex(/^[0-9a-hjkmnp-tv-z]{24}$/), v.description("The app's OAuth client id"));

/** 256 random bits, base64url (service/credentials.ts). */
export const ClientSecret = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{43}$/),
  v.description('The client secret: shown in this response only, stored as a hash'),
);

export const CustomDomainView = v.strictObject({
  domain: CustomDomain,
  status: v.picklist(['pending', 'verified', 'error']),
  updated_at: Timestamp,
});

export const ClientSecretInfo = v.strictObject({ secret_id: SecretId, created_at: Timestamp });

/** The app's first client: what was sent (defaults applied), its protocol and the app's client id. */
export const FirstClientView = v.variant('authentication_protocol', [
  v.strictObject({ authentication_protocol: v.literal('oidc'), client_id: ClientId, ...shownEntries(OidcClientInput.entries) }),
  v.strictObject({ authentication_protocol: v.literal('saml'), client_id: ClientId, ...shownEntries(SamlClientInput.entries) }),
]);

const viewHead = {
  app_id: AppId,
  tenant_id: v.pipe(v.string(), v.minLength(1)),
  ...shownEntries(SETTABLE_FIELDS),
  custom_domain: v.optional(CustomDomainView),
  client_id: ClientId,
};

const viewTail = {
  client_secrets: v.pipe(
    v.array(ClientSecretInfo),
    v.minLength(1),
    v.maxLength(2),
    v.description('The active client secrets, oldest first: ids and dates, never the values'),
  ),
  first_client: FirstClientView,
  created_at: Timestamp,
  created_by: v.pipe(v.string(), v.description('The `sub` of the token that created the app')),
  updated_at: Timestamp,
};

/** The App in every response but create's 201: never a secret. */
export const AppView = v.strictObject({ ...viewHead, ...viewTail });

/** The App in create's 201: the one response that carries the client secret's value. */
export const CreatedAppView = v.strictObject({ ...viewHead, client_secret: ClientSecret, ...viewTail });

export const AppResult = v.strictObject({ result: AppView });
export const CreatedAppResult = v.strictObject({ result: CreatedAppView });

export const AppPage = v.strictObject({
  result: v.array(AppView),
  next_cursor: v.optional(v.pipe(v.string(), v.minLength(1), v.description('Pass as `cursor` for the next page; absent on the last'))),
});

export const CreatedSecretResult = v.strictObject({
  result: v.strictObject({ secret_id: SecretId, client_secret: ClientSecret, created_at: Timestamp }),
});

/** `ts_error_code` of a 409 (errors.ts ConflictCode). */
export const CONFLICT_CODES = ['SUBDOMAIN_TAKEN', 'CUSTOM_DOMAIN_TAKEN', 'SECRET_LIMIT', 'LAST_SECRET'] as const;

const FieldIssue = v.strictObject({
  path: v.pipe(v.string(), v.description('Dotted path of the field, e.g. first_client.redirect_uris.0; empty for the body')),
  message: v.string(),
});

/**
 * The error body of one status (contract §7): `{message, error_code}`, plus `errors[]` on a 400 and
 * `ts_error_code` on a 409. The throttle's 429 is API Gateway's own answer on AWS, `{"message"}` alone.
 */
export function errorBodyOf(status: number) {
  const base = { message: v.pipe(v.string(), v.minLength(1)), error_code: v.literal(status) };
  if (status === 400) return v.strictObject({ ...base, errors: v.optional(v.array(FieldIssue)) });
  if (status === 409) return v.strictObject({ ...base, ts_error_code: v.picklist(CONFLICT_CODES) });
  if (status === 429) return v.strictObject({ ...base, error_code: v.optional(base.error_code) });
  return v.strictObject(base);
}

export type ErrorBody = v.InferOutput<ReturnType<typeof errorBodyOf>>;

/** Response headers the contract names. */
export const RESPONSE_HEADERS = {
  'X-Request-Id': v.pipe(v.string(), v.minLength(1), v.description("The request id; the service's log lines carry it too")),
  ETag: v.pipe(v.string(), v.regex(/^"(0|[1-9]\d*)"$/), v.description("The App's version; send it back as If-Match")),
  Link: v.pipe(v.string(), v.regex(/^<[^>]+>; rel="next"$/), v.description('The next page, as next_cursor')),
  'Retry-After': v.pipe(v.string(), v.regex(/^\d+$/), v.description('Seconds to wait before retrying')),
  'WWW-Authenticate': v.pipe(v.string(), v.startsWith('Bearer'), v.description('The bearer challenge (RFC 6750 §3)')),
};

/** Request headers some routes read. */
export const IfMatch = v.pipe(
  v.string(),
  v.minLength(1),
  v.description('An ETag of the App ("<version>", W/"<version>", a list, or *): 412 and no change when it does not match'),
);
