/**
 * The Middy chain every API function shares, in the order that matters: the access log and response
 * headers outermost (they see the final response, errors included), then the error handler, then
 * JWT auth and the permission, then the JSON body guard and valibot validation. The route handler runs
 * inside a deadline scope (db/deadline.ts): its DynamoDB calls end in time for a 503 before the function
 * times out. Wrapping the function given to `chain.handler` is the only way to scope it: a `before` hook
 * cannot hold an AsyncLocalStorage scope open over the rest of the chain.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { Context } from 'aws-lambda';
import type * as v from 'valibot';
import { readJwtConfig } from '../config.ts';
import { createTokenVerifier } from '../auth/verifier.ts';
import { runWithDeadline } from '../db/deadline.ts';
import { routeKey, routeNamed, type RouteName } from '../routes.ts';
import { accessLog } from './access-log.ts';
import { authorize } from './authorize.ts';
import { errorHandler } from './error-handler.ts';
import { jsonBody } from './json-body.ts';
import { responseHeaders } from './response-headers.ts';
import type { ApiEvent, ApiResult } from './types.ts';
import { validateBody } from './validate.ts';

// Module scope: built once per cold start, reused by every request of this process.
const verifier = createTokenVerifier(readJwtConfig());

export function apiHandler<Schema extends v.GenericSchema | undefined = undefined>(
  name: RouteName,
  handle: (
    event: ApiEvent<Schema extends v.GenericSchema ? v.InferOutput<Schema> : undefined>,
    context: Context,
  ) => Promise<ApiResult>,
  bodySchema?: Schema,
) {
  const route = routeNamed(name);
  const chain = middy<ApiEvent, ApiResult>()
    .use(httpHeaderNormalizer())
    .use(accessLog(routeKey(route)))
    .use(responseHeaders())
    .use(errorHandler())
    .use(authorize(verifier, route.permission));
  if (bodySchema) chain.use(jsonBody()).use(validateBody(bodySchema));
  const handleInTime = (event: Parameters<typeof handle>[0], context: Context) => runWithDeadline(context, () => handle(event, context));
  return chain.handler(handleInTime as never);
}
