/**
 * The OpenAPI 3.1 document of the API, generated on demand from the route table (shared/routes.ts), the
 * valibot schemas (components.ts) and what each route answers (operations.ts), so it cannot drift from
 * what is served: `npm run openapi` writes it, the local runtime serves it (infra/local/docs.ts) and the
 * e2e tests hold every response to it. A route without an entry in operations.ts, an entry without a
 * route, or a schema the converter cannot express fails the build instead of leaving a gap. The one
 * thing JSON Schema cannot say, a custom valibot `check`, is described by the check's own message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConversionConfig, type JsonSchema, toJsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { ROUTES, type Route } from '../../shared/routes.ts';
import { RESPONSE_HEADERS } from '../../shared/schemas/responses.ts';
import { errorSchemaName, errorSchemas, PATH_PARAMETERS, QUERIES, QUERY_DESCRIPTIONS, REQUEST_HEADERS, SCHEMAS } from './components.ts';
import { type ErrorStatus, OPERATIONS, type OperationDoc } from './operations.ts';

/** The document, as plain JSON. */
export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema> } & Record<string, unknown>;
};

export interface OpenApiOperation {
  operationId: string;
  'x-permission': string;
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: JsonSchema }> }>;
  [key: string]: unknown;
}

const SCHEMA_REF = '#/components/schemas/';

/** A `check` has no JSON Schema form: its message becomes (part of) the description. */
const describeCheck: ConversionConfig['overrideAction'] = ({ valibotAction, jsonSchema }) => {
  if (valibotAction.type !== 'check') return undefined;
  const message = (valibotAction as { message?: unknown }).message;
  if (typeof message !== 'string') {
    throw new Error('A valibot check without a message string cannot be described in the OpenAPI document: give it one');
  }
  const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
  return { ...jsonSchema, description: jsonSchema.description ? `${jsonSchema.description} ${sentence}` : sentence };
};

const CONVERSION: ConversionConfig = {
  target: 'draft-2020-12',
  // Requests are described as sent (a query's `limit` is digits before it is a number); responses have no transforms.
  typeMode: 'input',
  overrideAction: describeCheck,
  overrideRef: ({ referenceId }) => `${SCHEMA_REF}${referenceId}`,
};

/** One schema, inline (parameters and headers): without the `$schema` a whole document would carry. */
function inlineSchema(schema: v.GenericSchema): JsonSchema {
  const { $schema: _dialect, ...json } = toJsonSchema(schema, CONVERSION);
  return json;
}

const PERMISSION_NOTE = (permission: string) => `Needs the permission \`${permission}\` (or the role \`Admin\`) in the caller's tenant.`;

/** A success or error response's headers: the request id always, then the ones the status or route adds. */
function responseHeaders(names: (keyof typeof RESPONSE_HEADERS)[], optional: ReadonlySet<string>) {
  return Object.fromEntries(
    ['X-Request-Id' as const, ...names].map((name) => {
      const { description, ...schema } = inlineSchema(RESPONSE_HEADERS[name]);
      return [name, { description, required: !optional.has(name), schema }];
    }),
  );
}

/** Statuses API Gateway may answer itself (README): their answers may lack the service's headers. */
const GATEWAY_STATUSES = new Set<ErrorStatus>([413, 429]);
const HEADERS_OF_ERROR: Partial<Record<ErrorStatus, (keyof typeof RESPONSE_HEADERS)[]>> = {
  401: ['WWW-Authenticate'],
  403: ['WWW-Authenticate'],
  503: ['Retry-After'],
};

function errorResponse(status: ErrorStatus, description: string) {
  const optional = GATEWAY_STATUSES.has(status) ? new Set(['X-Request-Id']) : new Set<string>();
  return {
    description,
    headers: responseHeaders(HEADERS_OF_ERROR[status] ?? [], optional),
    content: { 'application/json': { schema: { $ref: `${SCHEMA_REF}${errorSchemaName(status)}` } } },
  };
}

function parametersOf(route: Route, doc: OperationDoc): unknown[] {
  const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const path = pathNames.map((name) => {
    const param = PATH_PARAMETERS[name];
    if (!param) throw new Error(`Route ${route.name}: path parameter {${name}} has no schema in infra/openapi/components.ts`);
    return { name, in: 'path', required: true, description: param.description, schema: inlineSchema(param.schema) };
  });
  const query = doc.query
    ? Object.entries(QUERIES[doc.query].entries).map(([name, schema]) => ({
        name,
        in: 'query',
        required: schema.type !== 'optional',
        ...(QUERY_DESCRIPTIONS[name] ? { description: QUERY_DESCRIPTIONS[name] } : {}),
        schema: inlineSchema(schema),
      }))
    : [];
  const headers = (doc.requestHeaders ?? []).map((name) => ({
    name,
    in: 'header',
    required: false,
    description: REQUEST_HEADERS[name].description,
    schema: inlineSchema(REQUEST_HEADERS[name].schema),
  }));
  return [...path, ...query, ...headers];
}

function operationOf(route: Route, doc: OperationDoc): OpenApiOperation {
  const { success } = doc;
  const successHeaders = responseHeaders(success.headers ?? [], new Set(['Link']));
  return {
    operationId: route.name,
    summary: route.description,
    description: `${doc.description}\n\n${PERMISSION_NOTE(route.permission)}`,
    tags: [doc.tag],
    // OpenAPI 3.1 lets a non-OAuth scheme list roles: the permission the operation needs.
    security: [{ bearerAuth: [route.permission] }],
    'x-permission': route.permission,
    parameters: parametersOf(route, doc),
    ...(doc.body
      ? {
          requestBody: {
            required: doc.body.required,
            description: doc.body.description,
            content: { 'application/json': { schema: { $ref: `${SCHEMA_REF}${doc.body.schema}` } } },
          },
        }
      : {}),
    responses: {
      [success.status]: {
        description: success.description,
        headers: successHeaders,
        ...(success.schema ? { content: { 'application/json': { schema: { $ref: `${SCHEMA_REF}${success.schema}` } } } } : {}),
      },
      ...Object.fromEntries(
        Object.entries(doc.errors).map(([status, text]) => [status, errorResponse(Number(status) as ErrorStatus, text)]),
      ),
    },
  };
}

/** Every route has its entry in operations.ts and every entry its route, or the build stops here. */
function pairRoutes(routes: readonly Route[], operations: Record<string, OperationDoc | undefined>): [Route, OperationDoc][] {
  const undescribed = routes.filter((route) => !operations[route.name]).map((route) => `${route.name} (${route.method} ${route.path})`);
  const orphans = Object.keys(operations).filter((name) => !routes.some((route) => route.name === name));
  if (undescribed.length || orphans.length) {
    throw new Error(
      [
        'The OpenAPI document cannot be built:',
        ...undescribed.map((name) => `  route ${name} has no request/response description in infra/openapi/operations.ts`),
        ...orphans.map((name) => `  infra/openapi/operations.ts describes ${name}, which is not in shared/routes.ts`),
      ].join('\n'),
    );
  }
  return routes.map((route) => [route, operations[route.name] as OperationDoc]);
}

const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;

export const DEFAULT_SERVERS = [
  { url: 'http://127.0.0.1:3000', description: 'npm start (default PORT); deployed: the stack output ApiUrl' },
];

export interface DocumentOptions {
  /** For tests of the generator itself; the route table and operations.ts otherwise. */
  routes?: readonly Route[];
  operations?: Record<string, OperationDoc | undefined>;
  servers?: { url: string; description?: string }[];
}

export function buildOpenApiDocument(options: DocumentOptions = {}): OpenApiDocument {
  const pairs = pairRoutes(options.routes ?? ROUTES, options.operations ?? OPERATIONS);
  const statuses = pairs.flatMap(([, doc]) => Object.keys(doc.errors).map(Number) as ErrorStatus[]);
  const paths: OpenApiDocument['paths'] = {};
  for (const [route, doc] of pairs) {
    const path = paths[route.path] ?? {};
    paths[route.path] = path;
    path[route.method.toLowerCase()] = operationOf(route, doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Management Apps API',
      version: VERSION,
      description:
        'Create, list, read, update and delete the management apps of a tenant, and rotate their client secrets. ' +
        "Every call needs a bearer JWT of the tenant (claim `tid`) with the operation's permission or the `Admin` role. " +
        'Errors are `{"message", "error_code"}`, plus `errors[]` on a 400 and `ts_error_code` on a 409. Every response carries ' +
        '`X-Request-Id`, `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`.',
    },
    servers: options.servers ?? DEFAULT_SERVERS,
    tags: [
      { name: 'Applications', description: "The apps of the caller's tenant" },
      { name: 'Client secrets', description: "Rotate an app's client secret without downtime" },
    ],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: toJsonSchemaDefs({ ...SCHEMAS, ...errorSchemas(statuses) }, CONVERSION),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A ClientAccessToken or AdminAccessToken (RS256) of a configured issuer: `aud` the configured audience, ' +
            '`exp` required, `tid` the tenant; permissions from `ts_permissions`, `permissions` or `scope`, or `role: Admin`.',
        },
      },
    },
  };
}
