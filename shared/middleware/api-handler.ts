/**
 * The Middy chain every API function shares, in the order that matters: the request metrics first (its
 * timer starts before anything else runs, and its `after`/`onError` run last, so it counts every response,
 * the error handler's included), then the access log and response headers (they see the final response,
 * errors included), then the error handler, then
 * JWT auth and the permission, then the JSON body guard and valibot validation (or, on a route that
 * takes no body, the empty-body check). One chain per route; a function serving several routes picks
 * one per request (function-handler.ts). The route handler runs
 * inside a deadline scope (db/deadline.ts): its DynamoDB calls end in time for a 503 before the function
 * times out. Wrapping the function given to `chain.handler` is the only way to scope it: a `before` hook
 * cannot hold an AsyncLocalStorage scope open over the rest of the chain.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { Context } from 'aws-lambda';
import type * as v from 'valibot';
import { createTokenVerifier } from '../auth/verifier.ts';
import { readJwtConfig } from '../config.ts';
import { runWithDeadline } from '../db/deadline.ts';
import { type RouteName, routeKey, routeNamed } from '../routes.ts';
import { accessLog } from './access-log.ts';
import { authorize } from './authorize.ts';
import { emptyBody } from './empty-body.ts';
import { errorHandler } from './error-handler.ts';
import { jsonBody } from './json-body.ts';
import { requestMetrics } from './request-metrics.ts';
import { responseHeaders } from './response-headers.ts';
import type { ApiEvent, ApiResult } from './types.ts';
import { validateBody } from './validate.ts';

// Module scope: built once per cold start, reused by every request of this process.
const verifier = createTokenVerifier(readJwtConfig());

/** The body a route takes: a valibot schema (JSON), `'empty'` (none, or `{}`), or undefined (not read). */
type BodyRule = v.GenericSchema | 'empty' | undefined;

export function apiHandler<Body extends BodyRule = undefined>(
  name: RouteName,
  handle: (event: ApiEvent<Body extends v.GenericSchema ? v.InferOutput<Body> : undefined>, context: Context) => Promise<ApiResult>,
  body?: Body,
) {
  const route = routeNamed(name);
  const chain = middy<ApiEvent, ApiResult>()
    .use(requestMetrics(name))
    .use(httpHeaderNormalizer())
    .use(accessLog(routeKey(route)))
    .use(responseHeaders())
    .use(errorHandler())
    .use(authorize(verifier, route.permission));
  if (body === 'empty') chain.use(emptyBody());
  else if (body) chain.use(jsonBody()).use(validateBody(body));
  const handleInTime = (event: Parameters<typeof handle>[0], context: Context) => runWithDeadline(context, () => handle(event, context));
  return chain.handler(handleInTime as never);
}
