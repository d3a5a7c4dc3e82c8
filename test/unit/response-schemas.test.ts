/**
 * The response schemas (shared/schemas/responses.ts) against the code that makes responses: in type
 * (tsc runs these expectTypeOf lines in `npm test`'s typecheck) and in value (the real view and error
 * handler, parsed by the strict schemas). A field the view shows and the schemas do not know fails here
 * before it fails an e2e test.
 */
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Conflict,
  type ConflictCode,
  IdempotencyKeyReused,
  InvalidRequest,
  NotFound,
  PayloadTooLarge,
  PermissionDenied,
  Unauthenticated,
  Unavailable,
  UnsupportedMediaType,
  VersionMismatch,
} from '../../shared/errors.ts';
import { toAppView } from '../../shared/http/app-view.ts';
import { toErrorResponse } from '../../shared/middleware/error-handler.ts';
import type { AppRecord, HIDDEN_FIELDS } from '../../shared/model.ts';
import { defaultOidcClient, type FirstClient } from '../../shared/schemas/client.ts';
import {
  AppPage,
  AppView,
  type CONFLICT_CODES,
  CreatedAppView,
  type CreatedSecretResult,
  errorBodyOf,
} from '../../shared/schemas/responses.ts';
import type { NewClientSecret } from '../../shared/service/client-secrets.ts';
import { newAppId, newClientId, newClientSecret, newSecretId } from '../../shared/service/credentials.ts';

/** What toAppView makes of a stored App (http/app-view.ts): the hidden fields gone, the client tagged with the app's client id. */
type ViewOf<R extends AppRecord> = Omit<R, (typeof HIDDEN_FIELDS)[number] | 'first_client'> & {
  first_client: FirstClient & { client_id: string };
};

const NOW = '2026-11-29T12:00:00.000Z';

function storedApp(overrides: Partial<AppRecord> = {}): AppRecord {
  return {
    app_id: newAppId(new Date(NOW)),
    tenant_id: 'acme',
    app_name: 'Billing',
    invite_member_email_expiration_minutes: 2880,
    refresh_token_invalidation_trigger_configuration: {
      invalidateOnMemberSuspension: true,
      invalidateOnMemberPasswordReset: true,
      invalidateOnMemberRoleUpdate: false,
    },
    client_id: newClientId(),
    client_secrets: [{ secret_id: newSecretId(), created_at: NOW }],
    first_client: defaultOidcClient('Billing'),
    created_at: NOW,
    created_by: 'user-1',
    updated_at: NOW,
    version: 1,
    ...overrides,
  };
}

describe('response schemas, in type', () => {
  it('every view of a stored App fits AppView, and AppView names exactly the fields the view shows', () => {
    expectTypeOf<ViewOf<AppRecord>>().toExtend<v.InferOutput<typeof AppView>>();
    expectTypeOf<keyof v.InferOutput<typeof AppView>>().toEqualTypeOf<keyof ViewOf<AppRecord>>();
  });

  it("the 409 codes and the new secret are the service's own types", () => {
    expectTypeOf<(typeof CONFLICT_CODES)[number]>().toEqualTypeOf<ConflictCode>();
    expectTypeOf<NewClientSecret>().toEqualTypeOf<v.InferOutput<typeof CreatedSecretResult>['result']>();
  });
});

describe('response schemas, in value', () => {
  it('the view of an OIDC app with every optional set matches AppView', () => {
    const app = storedApp({
      app_description: 'Invoices\nand payments',
      login_uri: 'https://billing.example.com/login',
      invite_member_uri: 'https://billing.example.com/i',
      b2b_invite_journey_id: 'journey-1',
      subdomain: 'billing',
      pkce: 'allowPkceAlongsideClientCredentials',
      custom_domain: { domain: 'billing.example.com', status: 'pending', updated_at: NOW },
      client_secrets: [
        { secret_id: newSecretId(), created_at: NOW },
        { secret_id: newSecretId(), created_at: NOW },
      ],
    });
    expect(v.safeParse(AppView, toAppView(app)).issues).toBeUndefined();
    expect(v.safeParse(AppPage, { result: [toAppView(app)], next_cursor: 'abc' }).issues).toBeUndefined();
  });

  it('a SAML first client matches too', () => {
    const app = storedApp({ first_client: { authentication_protocol: 'saml', name: 'sso', sp_entity_id: 'urn:sp', role_ids: ['admin'] } });
    expect(v.safeParse(AppView, toAppView(app)).issues).toBeUndefined();
  });

  it("the secret's value is allowed in create's view only", () => {
    const withSecret = toAppView(storedApp(), newClientSecret());
    expect(v.safeParse(CreatedAppView, withSecret).issues).toBeUndefined();
    expect(v.safeParse(AppView, withSecret).issues?.map((issue) => v.getDotPath(issue) ?? issue.message)).toEqual(['client_secret']);
  });

  it('a stored field the schemas do not know is refused: the document cannot silently lag the view', () => {
    const view = toAppView({ ...storedApp(), verification_token_id: 'v1' } as AppRecord);
    expect(v.safeParse(AppView, view).success).toBe(false);
  });

  it("each error the service raises has the body its status's schema describes", () => {
    const errors = [
      new InvalidRequest('bad', [{ path: 'app_name', message: 'Required' }]),
      new InvalidRequest('Malformed JSON in request body'),
      new Unauthenticated(true),
      new PermissionDenied('apps:read'),
      new NotFound(),
      new Conflict('taken', 'SUBDOMAIN_TAKEN'),
      new Conflict('limit', 'SECRET_LIMIT'),
      new VersionMismatch(),
      new PayloadTooLarge(65536),
      new UnsupportedMediaType(),
      new IdempotencyKeyReused(),
      new Unavailable(),
      new Error('a bug'),
    ];
    for (const error of errors) {
      const response = toErrorResponse(error);
      const parsed = v.safeParse(errorBodyOf(response.statusCode ?? 0), JSON.parse(response.body ?? ''));
      expect(parsed.issues, `${error.name} → ${response.statusCode}`).toBeUndefined();
    }
  });

  it('an error body with the wrong error_code or an undocumented field is refused', () => {
    expect(v.safeParse(errorBodyOf(404), { message: 'x', error_code: 400 }).success).toBe(false);
    expect(v.safeParse(errorBodyOf(404), { message: 'x', error_code: 404, stack: 'at …' }).success).toBe(false);
    expect(v.safeParse(errorBodyOf(409), { message: 'x', error_code: 409 }).success).toBe(false);
  });
});
