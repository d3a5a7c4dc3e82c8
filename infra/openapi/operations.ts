/**
 * What the OpenAPI document says of each route beyond the route table (shared/routes.ts, which gives the
 * name, method, path, permission and summary): its body, query, request headers, success response and
 * the error statuses of the contract (§1, plus those the README records: If-Match and the secrets
 * routes' 400 / 409 LAST_SECRET). Schemas are named, never written here: the names are the components of
 * document.ts, all valibot. A route missing from this table fails the typecheck and the generator.
 */
import type { RouteName } from '../../shared/routes.ts';
import type { SchemaName } from './components.ts';

export type SuccessStatus = 200 | 201 | 204;
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 429 | 500 | 503;

export interface OperationDoc {
  description: string;
  tag: 'Applications' | 'Client secrets';
  /** The JSON body: required, or optional (none, or `{}`). */
  body?: { schema: SchemaName; required: boolean; description: string };
  /** The query: a strict object schema of parameters (components.ts QUERIES). */
  query?: 'ListQuery';
  /** Request headers read by the route (components.ts REQUEST_HEADERS). */
  requestHeaders?: ('If-Match' | 'Idempotency-Key')[];
  success: { status: SuccessStatus; description: string; schema?: SchemaName; headers?: ('ETag' | 'Link')[] };
  /** Each error status the route answers, with what it means there. */
  errors: Partial<Record<ErrorStatus, string>>;
}

const AUTH = {
  401: 'No token, or an invalid, expired or garbled one (also two Authorization headers)',
  403: 'A valid token without the permission this operation needs',
} as const;

const LIMITS = {
  429: 'Throttled: the stage\'s rate or burst was exceeded (on AWS, API Gateway\'s own body: {"message"} alone)',
  500: 'Internal server error (a generic body, never a stack or an AWS message)',
  503: 'The database throttled or could not be reached in time: retry after Retry-After seconds',
} as const;

const JSON_BODY = {
  413: 'The body is over 64 KiB (above 10 MB API Gateway answers itself, with its own body)',
  415: 'The body is not application/json in UTF-8, or it is content-coded',
} as const;

const NO_APP = "No such app in the caller's tenant, whatever the format of app_id";
const IF_MATCH = "If-Match does not match the App's current ETag: nothing changed";

export const OPERATIONS = {
  createApp: {
    tag: 'Applications',
    description:
      "Creates an app in the caller's tenant with its first client and first client secret. The 201 is the only " +
      'response that ever carries `client_secret`. With `Idempotency-Key`, a retry with the same body within 24 h replays ' +
      'that same 201 and creates nothing.',
    body: {
      schema: 'CreateAppBody',
      required: true,
      description: 'The app; `first_client` follows `first_client_authentication_protocol`',
    },
    requestHeaders: ['Idempotency-Key'],
    success: { status: 201, description: 'The app, with its client secret (this once)', schema: 'CreatedAppResult', headers: ['ETag'] },
    errors: {
      400: 'Malformed JSON, or a field breaks a rule: `errors[]` names each (unknown and read-only fields by name)',
      ...AUTH,
      409: '`SUBDOMAIN_TAKEN` or `CUSTOM_DOMAIN_TAKEN`: another app (of any tenant) holds the value',
      ...JSON_BODY,
      422: 'The Idempotency-Key was used with a different body',
      ...LIMITS,
    },
  },
  listApps: {
    tag: 'Applications',
    description:
      "Lists the caller's apps, oldest first. Without `limit`, up to 1,000 per response; `next_cursor` (and a " +
      '`Link` header) continue when there are more. Any page, with or without `limit`, also ends before its body ' +
      'would pass 5 MB (5,000,000 bytes), so a page of large apps holds fewer: follow `next_cursor` until it is ' +
      'absent, never stop at a short page. Never a secret.',
    query: 'ListQuery',
    success: { status: 200, description: 'A page of apps', schema: 'AppPage', headers: ['Link'] },
    errors: { 400: 'A malformed `limit` or `cursor`, or an unknown query parameter', ...AUTH, ...LIMITS },
  },
  getApp: {
    tag: 'Applications',
    description: 'Reads one app with its ETag, to read and then update with If-Match. Never a secret.',
    success: { status: 200, description: 'The app', schema: 'AppResult', headers: ['ETag'] },
    errors: { ...AUTH, 404: NO_APP, ...LIMITS },
  },
  updateApp: {
    tag: 'Applications',
    description:
      'Updates an app: an omitted field keeps its value, `null` clears an optional one, an object field is ' +
      'replaced whole. `{}` changes nothing. A new `first_client` keeps the `client_id` and the secrets.',
    body: { schema: 'UpdateAppBody', required: true, description: 'The fields to change' },
    requestHeaders: ['If-Match'],
    success: { status: 200, description: 'The app as updated', schema: 'AppResult', headers: ['ETag'] },
    errors: {
      400: 'Malformed JSON, or a field breaks a rule: `errors[]` names each',
      ...AUTH,
      404: NO_APP,
      409: '`SUBDOMAIN_TAKEN` or `CUSTOM_DOMAIN_TAKEN`: another app (of any tenant) holds the value',
      412: IF_MATCH,
      ...JSON_BODY,
      ...LIMITS,
    },
  },
  addClientSecret: {
    tag: 'Client secrets',
    description:
      'Adds a client secret (an app has one or two): its value is in this 201 only. To rotate without downtime, ' +
      "add one, roll it out to the app's callers, then delete the old one. Moves the App's ETag.",
    body: { schema: 'EmptyBody', required: false, description: 'None, or `{}`' },
    requestHeaders: ['If-Match'],
    success: { status: 201, description: 'The new secret, with its value (this once)', schema: 'CreatedSecretResult' },
    errors: {
      400: 'A body other than none or `{}`',
      ...AUTH,
      404: NO_APP,
      409: '`SECRET_LIMIT`: the app already has two active secrets',
      412: IF_MATCH,
      ...LIMITS,
    },
  },
  deleteClientSecret: {
    tag: 'Client secrets',
    description: "Retires one client secret. The last one cannot be deleted (add a new one first). Moves the App's ETag.",
    requestHeaders: ['If-Match'],
    success: { status: 204, description: 'Deleted' },
    errors: {
      ...AUTH,
      404: `${NO_APP}; or no active secret of that secret_id`,
      409: "`LAST_SECRET`: the app's only secret",
      412: IF_MATCH,
      ...LIMITS,
    },
  },
  deleteApp: {
    tag: 'Applications',
    description:
      'Deletes an app at once; its role assignments and client record are removed right after by the ' +
      'event-driven cleanup. Its subdomain and custom domain are free again at once.',
    success: { status: 204, description: 'Deleted' },
    errors: { 400: 'Listed by the contract; not answered today (a malformed app_id is a 404)', ...AUTH, 404: NO_APP, ...LIMITS },
  },
} as const satisfies Record<RouteName, OperationDoc>;
