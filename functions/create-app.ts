/**
 * POST /v1/management/applications: create an app. Its 201 is the only response that ever carries the
 * client secret; with an Idempotency-Key, a retry replays that same 201.
 */
import * as v from 'valibot';
import { appResponse } from '#shared/http/responses.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { functionHandler } from '#shared/middleware/function-handler.ts';
import { validationError } from '#shared/middleware/validate.ts';
import { CreateAppBody } from '#shared/schemas/app.ts';
import { IdempotencyKey } from '#shared/service/idempotency.ts';
import { appService, idempotentCreate } from '#shared/service/index.ts';

const IdempotencyHeader = v.object({ 'idempotency-key': v.optional(IdempotencyKey) });

const createApp = apiHandler(
  'createApp',
  async (event) => {
    const headers = v.safeParse(IdempotencyHeader, event.headers);
    if (!headers.success) throw validationError('Idempotency-Key header', headers.issues);
    const key = headers.output['idempotency-key'];
    const { app, clientSecret } = key
      ? await idempotentCreate.create(event.caller, event.body, key)
      : await appService.create(event.caller, event.body);
    event.log.app_id = app.app_id;
    return appResponse(201, app, clientSecret);
  },
  CreateAppBody,
);

export const handler = functionHandler('createApp', { createApp });
