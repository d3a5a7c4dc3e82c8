/**
 * One structured line per request, with what an operator needs to follow it (request id, tenant,
 * app_id, route, status) and nothing a caller sent: no headers, no body, no token.
 */
import type { MiddlewareObj } from '@middy/core';
import { logger } from '../logger.ts';
import type { ApiRequest } from './types.ts';

export function accessLog(routeKey: string): MiddlewareObj {
  const startAccessLog = async (request: ApiRequest): Promise<void> => {
    logger.resetKeys();
    logger.appendKeys({
      request_id: request.event.requestContext?.requestId ?? request.context.awsRequestId,
      route: routeKey,
      ...(request.event.pathParameters?.app_id ? { app_id: request.event.pathParameters.app_id.slice(0, 64) } : {}),
    });
  };
  const writeAccessLog = async (request: ApiRequest): Promise<void> => {
    logger.info('request completed', { status: request.response?.statusCode });
  };
  return { before: startAccessLog, after: writeAccessLog, onError: writeAccessLog } as MiddlewareObj;
}
