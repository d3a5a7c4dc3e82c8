/**
 * The valibot schemas the OpenAPI document is made of, by the name they get there: request bodies (the
 * ones the functions validate with), response bodies (shared/schemas/responses.ts), the error body of
 * each status, and the schemas of path parameters, the list query and request headers. document.ts
 * converts them; nothing in the document is written as JSON Schema by hand.
 */
import * as v from 'valibot';
import { CreateAppBody, UpdateAppBody } from '../../shared/schemas/app.ts';
import { OidcClientInput, SamlClientInput } from '../../shared/schemas/client.ts';
import { AppId, SecretId } from '../../shared/schemas/ids.ts';
import { ListQuery } from '../../shared/schemas/list-query.ts';
import {
  AppPage,
  AppResult,
  AppView,
  ClientSecretInfo,
  CreatedAppResult,
  CreatedAppView,
  CreatedSecretResult,
  CustomDomainView,
  errorBodyOf,
  FirstClientView,
  IfMatch,
} from '../../shared/schemas/responses.ts';
import { IdempotencyKey } from '../../shared/service/idempotency.ts';
import type { ErrorStatus } from './operations.ts';

/** Components referenced by name from operations.ts; nested ones become `$ref`s where they recur. */
export const SCHEMAS = {
  CreateAppBody,
  UpdateAppBody,
  /** The secrets routes take no body: none, or `{}` (middleware/empty-body.ts). */
  EmptyBody: v.strictObject({}),
  OidcClientInput,
  SamlClientInput,
  AppResult,
  CreatedAppResult,
  AppPage,
  CreatedSecretResult,
  App: AppView,
  CreatedApp: CreatedAppView,
  FirstClient: FirstClientView,
  CustomDomainState: CustomDomainView,
  ClientSecretInfo,
};

export type SchemaName = keyof typeof SCHEMAS;

/** `Error400`, `Error401`, …: the error body of each status the document names. */
export const errorSchemaName = (status: ErrorStatus): string => `Error${status}`;

export function errorSchemas(statuses: Iterable<ErrorStatus>): Record<string, v.GenericSchema> {
  return Object.fromEntries([...new Set(statuses)].sort((a, b) => a - b).map((status) => [errorSchemaName(status), errorBodyOf(status)]));
}

/** The schema of each `{param}` a route path may hold. */
export const PATH_PARAMETERS: Record<string, { schema: v.GenericSchema; description: string }> = {
  app_id: { schema: AppId, description: "The app. One that names nothing in the caller's tenant is a 404, whatever its format." },
  secret_id: { schema: SecretId, description: 'A client secret of the app, as listed in its `client_secrets`.' },
};

export const QUERIES = { ListQuery } as const;

/** What each query parameter is for (the schema says what it accepts). */
export const QUERY_DESCRIPTIONS: Record<string, string> = {
  limit: 'Page size, 1 to 100: at most this many apps, fewer when one more would take the body past 5 MB. Without it, up to 1,000.',
  cursor: 'The `next_cursor` of the previous page (opaque).',
};

export const REQUEST_HEADERS = {
  'If-Match': { schema: IfMatch, description: 'Only when the App is at this ETag: 412 and no change otherwise.' },
  'Idempotency-Key': {
    schema: IdempotencyKey,
    description:
      'A retry with the same key and body within 24 h replays the original 201 (same app, same secret); ' +
      'the same key with another body is a 422. Use a random key (a UUID).',
  },
} as const;
