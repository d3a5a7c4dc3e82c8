/**
 * The e2e responses' check against the OpenAPI document (test/fixtures/openapi-check.ts), on made-up
 * responses: it must pass what the document allows and name what it does not, readably.
 */
import { describe, expect, it } from 'vitest';
import { assertDocumented, responseChecker } from '../fixtures/openapi-check.ts';

const APPS = '/v1/management/applications';
const APP_ID = '01m8c9a932zdsepkhrpqvj03dn';
const checker = responseChecker();
const ITEM = `${APPS}/${APP_ID}`;
const SECRET_ID = 'abcdefghjkmnpqrstvwxyz01';
const empty = (status: number, text = '') => ({ status, headers: new Headers({ 'x-request-id': 'r-1' }), text });

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r-1', ...headers }),
  text: JSON.stringify(body),
});

const app = {
  app_id: APP_ID,
  tenant_id: 'acme',
  app_name: 'Billing',
  invite_member_email_expiration_minutes: 2880,
  refresh_token_invalidation_trigger_configuration: {
    invalidateOnMemberSuspension: true,
    invalidateOnMemberPasswordReset: true,
    invalidateOnMemberRoleUpdate: true,
  },
  client_id: 'abcdefghjkmnpqrstvwxyz01',
  client_secrets: [{ secret_id: SECRET_ID, created_at: '2026-11-29T12:00:00.000Z' }],
  first_client: {
    authentication_protocol: 'oidc',
    client_id: 'abcdefghjkmnpqrstvwxyz01',
    name: 'Billing',
    redirect_uris: [],
    client_type: 'web',
    token_endpoint_auth_method: 'client_secret_basic',
    response_types: ['code', 'id_token'],
    short_cookies_samesite_type: 'lax',
  },
  created_at: '2026-11-29T12:00:00.000Z',
  created_by: 'user-1',
  updated_at: '2026-11-29T12:00:00.000Z',
};

describe('the check of a response against the OpenAPI document', () => {
  it("passes documented answers: an App with its ETag, a page, an error, a 204, the gateway's 404", () => {
    expect(checker.problems('GET', ITEM, json(200, { result: app }, { etag: '"1"' }))).toEqual([]);
    const link = `<${APPS}?cursor=abc&limit=1>; rel="next"`;
    expect(checker.problems('GET', `${APPS}?limit=1`, json(200, { result: [app], next_cursor: 'abc' }, { link }))).toEqual([]);
    const taken = { message: 'taken', error_code: 409, ts_error_code: 'SUBDOMAIN_TAKEN' };
    expect(checker.problems('PUT', ITEM, json(409, taken))).toEqual([]);
    expect(checker.problems('DELETE', ITEM, empty(204))).toEqual([]);
    expect(checker.problems('GET', '/nothing', json(404, { message: 'Not Found', error_code: 404 }))).toEqual([]);
  });

  it('names a status the operation does not list', () => {
    expect(checker.problems('GET', ITEM, json(409, { message: 'x', error_code: 409, ts_error_code: 'LAST_SECRET' }))).toEqual([
      'status 409 is not documented for getApp: it lists 200, 401, 403, 404, 429, 500, 503',
    ]);
  });

  it('names a field the schema does not allow, and a missing one', () => {
    const { created_by: _gone, ...rest } = app;
    const leaky = { result: { ...rest, client_secret: 'x'.repeat(43) } };
    expect(checker.problems('GET', ITEM, json(200, leaky, { etag: '"1"' }))).toEqual([
      "body/result: must have required property 'created_by' [#/components/schemas/AppResult]",
      'body/result: must NOT have additional properties (client_secret) [#/components/schemas/AppResult]',
    ]);
  });

  it('names a missing or malformed header, a wrong content type and a body where none is documented', () => {
    expect(checker.problems('GET', ITEM, json(200, { result: app }))).toEqual(['header ETag: required, missing']);
    expect(checker.problems('GET', ITEM, json(200, { result: app }, { etag: 'W/1' }))[0]).toMatch(
      /^header ETag "W\/1": must match pattern/,
    );
    expect(checker.problems('GET', APPS, json(401, { message: 'Invalid token', error_code: 401 }))).toEqual([
      'header WWW-Authenticate: required, missing',
    ]);
    expect(checker.problems('GET', APPS, json(200, { result: [] }, { 'content-type': 'text/html' }))).toEqual([
      'content-type: application/json documented, got "text/html"',
    ]);
    expect(checker.problems('DELETE', ITEM, empty(204, '{}'))).toEqual(['body: none documented, got 2 characters']);
  });

  it("refuses anything but the gateway's 404 on a path no operation serves", () => {
    expect(checker.problems('PATCH', APPS, json(200, {}))).toEqual([
      `no operation of the document serves PATCH ${APPS}, and the answer is not the gateway's 404 {message, error_code}`,
    ]);
  });

  it('throws one readable error, the request and the body included', () => {
    expect(() => assertDocumented('GET', `${APPS}/${APP_ID}`, json(418, { message: 'teapot', error_code: 418 }))).toThrow(
      `GET ${APPS}/${APP_ID} → 418 does not match the OpenAPI document (infra/openapi/):\n` +
        '  - status 418 is not documented for getApp: it lists 200, 401, 403, 404, 429, 500, 503\n' +
        '  body: {"message":"teapot","error_code":418}',
    );
  });
});
