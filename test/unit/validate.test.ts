/** Validation issues as callers read them: read-only fields named as such at the top and in first_client. */
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../shared/errors.ts';
import { validateBody } from '../../shared/middleware/validate.ts';
import { CreateAppBody, UpdateAppBody } from '../../shared/schemas/app.ts';

const validate = (schema: typeof CreateAppBody | typeof UpdateAppBody, body: unknown) =>
  middy<{ body: unknown }>()
    .use(validateBody(schema))
    .handler(async (event: { body: unknown }) => event.body)({ body } as never, {} as never)
    .then(
      () => undefined,
      (error: unknown) => error as InvalidRequest,
    );

const client = { name: 'c', redirect_uris: [] };

describe('validateBody', () => {
  it.each([
    ['create', 'client_id', CreateAppBody],
    ['update', 'client_id', UpdateAppBody],
    ['create', 'authentication_protocol', CreateAppBody],
    ['update', 'authentication_protocol', UpdateAppBody],
  ] as const)('%s: first_client.%s is read-only, named by its path', async (_, field, schema) => {
    const error = await validate(schema, { app_name: 'a', first_client: { ...client, [field]: 'x' } });
    expect(error).toBeInstanceOf(InvalidRequest);
    expect(error?.details.errors).toContainEqual({ path: `first_client.${field}`, message: `Field "${field}" is read-only` });
    expect(error?.message).toBe(`Invalid request body: first_client.${field}: Field "${field}" is read-only`);
  });

  it('a read-only name elsewhere is just unknown (read-only is per object)', async () => {
    const error = await validate(CreateAppBody, { app_name: 'a', first_client: { ...client, token_expiration: { client_id: 'x' } } });
    expect(error?.details.errors).toContainEqual({ path: 'first_client.token_expiration.client_id', message: 'Unknown field "client_id"' });
  });

  it('a top-level key spelled with a dot is not a nested field', async () => {
    const error = await validate(CreateAppBody, { app_name: 'a', 'first_client.client_id': 'x' });
    expect(error?.details.errors).toContainEqual({ path: 'first_client.client_id', message: 'Unknown field "first_client.client_id"' });
  });

  it('the top-level read-only fields stay read-only', async () => {
    const error = await validate(CreateAppBody, { app_name: 'a', client_id: 'x' });
    expect(error?.message).toBe('Invalid request body: client_id: Field "client_id" is read-only');
  });
});
