import type { Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { Caller } from '../auth/permissions.ts';

/**
 * What a request's log lines say about it. Request-scoped on purpose: the logger is shared by the
 * process, and locally one process serves many requests at once, so per-request keys must never be
 * appended to it.
 */
export interface RequestLogFields {
  request_id: string;
  route: string;
  tenant_id?: string;
  app_id?: string;
}

/**
 * The API Gateway event as the handler sees it: `log` set by `accessLog`, `caller` by `authorize`,
 * `body` parsed and validated.
 */
export type ApiEvent<Body = unknown> = Omit<APIGatewayProxyEventV2, 'body'> & {
  body: Body;
  caller: Caller;
  log: RequestLogFields;
};

export type ApiResult = Exclude<APIGatewayProxyResultV2, string>;

export type ApiRequest = Request<ApiEvent, ApiResult, Error, Context>;
