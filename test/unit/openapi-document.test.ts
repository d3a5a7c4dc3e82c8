/**
 * The generated OpenAPI document: valid OpenAPI 3.1 (the official schema, through
 * @seriousme/openapi-schema-validator), every schema valid JSON Schema 2020-12 (ajv, strict), and it says
 * what the contract says of each route. The statuses are written out here, from contract §1 and the
 * README's additions, not read back from operations.ts.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../infra/openapi/components.ts';
import { buildOpenApiDocument, type OpenApiOperation } from '../../infra/openapi/document.ts';
import { ROUTES, type Route, type RouteName, routeNamed } from '../../shared/routes.ts';

const document = buildOpenApiDocument();

const operationOf = (route: Pick<Route, 'method' | 'path'>) => document.paths[route.path]?.[route.method.toLowerCase()] as OpenApiOperation;

/** Success and error statuses per route: contract §1, plus If-Match (412) and the secrets routes' 400 / 409 (README). */
const STATUSES: Record<string, number[]> = {
  createApp: [201, 400, 401, 403, 409, 413, 415, 422, 429, 500, 503],
  listApps: [200, 400, 401, 403, 429, 500, 503],
  getApp: [200, 401, 403, 404, 429, 500, 503],
  updateApp: [200, 400, 401, 403, 404, 409, 412, 413, 415, 429, 500, 503],
  addClientSecret: [201, 400, 401, 403, 404, 409, 412, 429, 500, 503],
  deleteClientSecret: [204, 401, 403, 404, 409, 412, 429, 500, 503],
  deleteApp: [204, 400, 401, 403, 404, 429, 500, 503],
};

describe('the OpenAPI document, as a document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('every schema in it compiles as strict JSON Schema 2020-12, and every $ref resolves', () => {
    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    ajv.addKeyword('components');
    ajv.addSchema({ $id: 'doc', components: document.components });
    for (const name of Object.keys(document.components.schemas)) {
      expect(() => ajv.compile({ $ref: `doc#/components/schemas/${name}` }), name).not.toThrow();
    }
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const name = /#\/components\/schemas\/([^"]+)"/.exec(ref)?.[1];
      expect(name && document.components.schemas[name], ref).toBeDefined();
    }
  });

  it('is the same on every build, and plain JSON', () => {
    expect(buildOpenApiDocument()).toEqual(document);
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});

describe('the OpenAPI document, route by route', () => {
  it.each(ROUTES.map((route) => [route.name, route] as const))('%s: its operation, permission and statuses', (name, route) => {
    const operation = operationOf(route);
    expect(operation, `${route.method} ${route.path}`).toBeDefined();
    expect(operation.operationId).toBe(name);
    expect(operation.summary).toBe(route.description);
    expect(operation['x-permission']).toBe(route.permission);
    expect(operation.security).toEqual([{ bearerAuth: [route.permission] }]);
    expect(operation.description).toContain(`\`${route.permission}\``);
    expect(Object.keys(operation.responses).map(Number)).toEqual(STATUSES[name]);
  });

  it('has no operation that is not a route', () => {
    const operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.keys(byMethod).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it("declares every path parameter, required, with the id's pattern", () => {
    for (const route of ROUTES) {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (
        operationOf(route).parameters as { in: string; name: string; required: boolean; schema: { pattern?: string } }[]
      ).filter((parameter) => parameter.in === 'path');
      expect(
        declared.map((parameter) => parameter.name),
        route.name,
      ).toEqual(names);
      for (const parameter of declared) {
        expect(parameter.required).toBe(true);
        expect(parameter.schema.pattern).toMatch(/^\^\[0-9a-hjkmnp-tv-z\]\{2[46]\}\$$/);
      }
    }
  });

  it('takes the bodies, query and request headers the functions read', () => {
    const body = (name: RouteName) => (operationOf(routeNamed(name)) as { requestBody?: unknown }).requestBody;
    const json = (schema: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } });
    expect(body('createApp')).toMatchObject({ required: true, content: json('CreateAppBody') });
    expect(body('updateApp')).toMatchObject({ required: true, content: json('UpdateAppBody') });
    expect(body('addClientSecret')).toMatchObject({ required: false, content: json('EmptyBody') });
    for (const name of ['listApps', 'getApp', 'deleteApp', 'deleteClientSecret'] as const) expect(body(name), name).toBeUndefined();

    const headers = (name: RouteName) =>
      (operationOf(routeNamed(name)).parameters as { in: string; name: string }[])
        .filter((parameter) => parameter.in !== 'path')
        .map((parameter) => `${parameter.in}:${parameter.name}`);
    expect(headers('createApp')).toEqual(['header:Idempotency-Key']);
    expect(headers('listApps')).toEqual(['query:limit', 'query:cursor']);
    for (const name of ['updateApp', 'addClientSecret', 'deleteClientSecret'] as const) {
      expect(headers(name), name).toEqual(['header:If-Match']);
    }
  });

  it('describes success bodies and headers: the App with its ETag, a page with next_cursor and Link, the new secret, 204s empty', () => {
    const success = (name: string) => {
      const operation = operationOf(ROUTES.find((route) => route.name === name) as Route);
      const [status, response] = Object.entries(operation.responses)[0] as [string, OpenApiOperation['responses'][string]];
      return { status, schema: response.content?.['application/json']?.schema.$ref?.split('/').at(-1), headers: response.headers };
    };
    expect(success('createApp')).toMatchObject({ status: '201', schema: 'CreatedAppResult', headers: { ETag: { required: true } } });
    expect(success('getApp')).toMatchObject({ status: '200', schema: 'AppResult', headers: { ETag: { required: true } } });
    expect(success('updateApp')).toMatchObject({ status: '200', schema: 'AppResult', headers: { ETag: { required: true } } });
    expect(success('listApps')).toMatchObject({ status: '200', schema: 'AppPage', headers: { Link: { required: false } } });
    expect(success('addClientSecret')).toMatchObject({ status: '201', schema: 'CreatedSecretResult' });
    expect(success('deleteApp')).toMatchObject({ status: '204', schema: undefined });
    expect(success('deleteClientSecret')).toMatchObject({ status: '204', schema: undefined });
    expect(document.components.schemas.AppPage).toMatchObject({ required: ['result'], properties: { next_cursor: { type: 'string' } } });
    expect(document.components.schemas.App).toMatchObject({ additionalProperties: false });
    expect(document.components.schemas.App?.properties).not.toHaveProperty('client_secret');
    expect(document.components.schemas.CreatedApp?.required).toContain('client_secret');
  });

  it("gives every error its status's body and the headers it carries", () => {
    for (const route of ROUTES) {
      for (const [status, response] of Object.entries(operationOf(route).responses)) {
        expect(response.headers?.['X-Request-Id'], `${route.name} ${status}`).toBeDefined();
        if (Number(status) < 400) continue;
        expect(response.content?.['application/json']?.schema).toEqual({ $ref: `#/components/schemas/Error${status}` });
        if (status === '401' || status === '403') expect(response.headers?.['WWW-Authenticate']).toMatchObject({ required: true });
        if (status === '503') expect(response.headers?.['Retry-After']).toMatchObject({ required: true });
      }
    }
    expect(document.components.schemas.Error400).toMatchObject({
      required: ['message', 'error_code'],
      properties: { error_code: { const: 400 }, errors: { type: 'array' } },
      additionalProperties: false,
    });
    expect(document.components.schemas.Error409).toMatchObject({ required: ['message', 'error_code', 'ts_error_code'] });
  });

  it('has the bearer JWT scheme', () => {
    expect(document.components.securitySchemes).toMatchObject({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
  });

  it("describes what JSON Schema cannot say by the check's own message", () => {
    const { properties } = document.components.schemas.App as { properties: Record<string, { description?: string }> };
    expect(properties.app_name?.description).toContain('Must not be blank.');
    expect(properties.login_uri?.description).toContain('Must be an absolute https:// URL (http:// only for localhost).');
    expect(document.components.schemas.UpdateAppBody?.description).toContain(
      'first_client is required when first_client_authentication_protocol is sent',
    );
  });
});

describe('the generator fails loudly', () => {
  const archive: Route = {
    name: 'archiveApp',
    method: 'POST',
    path: '/v1/management/applications/{app_id}/archive',
    permission: 'apps:edit',
    description: 'Archives an app',
    function: 'updateApp',
  };

  it('on a route with no description of its request and responses', () => {
    expect(() => buildOpenApiDocument({ routes: [...ROUTES, archive] })).toThrow(
      'route archiveApp (POST /v1/management/applications/{app_id}/archive) has no request/response description',
    );
  });

  it('on a description of a route that is gone', () => {
    expect(() => buildOpenApiDocument({ routes: ROUTES.filter((route) => route.name !== 'getApp') })).toThrow(
      'describes getApp, which is not in shared/routes.ts',
    );
  });

  it('on a path parameter without a schema', () => {
    const route = { ...archive, name: 'getApp', path: '/v1/management/applications/{app_key}' } as Route;
    expect(() => buildOpenApiDocument({ routes: [...ROUTES.filter((r) => r.name !== 'getApp'), route] })).toThrow(
      'path parameter {app_key} has no schema',
    );
  });

  it('on a custom check without a message to describe it', () => {
    const original = SCHEMAS.EmptyBody;
    try {
      Object.assign(SCHEMAS, {
        EmptyBody: v.pipe(
          v.strictObject({}),
          v.check(() => true),
        ),
      });
      expect(() => buildOpenApiDocument()).toThrow('check without a message');
    } finally {
      Object.assign(SCHEMAS, { EmptyBody: original });
    }
  });
});
