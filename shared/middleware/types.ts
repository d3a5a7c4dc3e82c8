import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { Request } from '@middy/core';
import type { Caller } from '../auth/permissions.ts';

/** The API Gateway event as the handler sees it: `caller` set by `authorize`, `body` parsed and validated. */
export type ApiEvent<Body = unknown> = Omit<APIGatewayProxyEventV2, 'body'> & { body: Body; caller: Caller };

export type ApiResult = Exclude<APIGatewayProxyResultV2, string>;

export type ApiRequest = Request<ApiEvent, ApiResult, Error, Context>;
