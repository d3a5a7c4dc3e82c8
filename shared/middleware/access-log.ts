/**
 * One structured line per request, with what an operator needs to follow it (request id, tenant,
 * app_id, route, status, latency) and nothing a caller sent: no headers, no body, no token.
 * The fields live on the event (`event.log`), filled in as the chain learns them.
 */
import type { MiddlewareObj } from '@middy/core';
import { logger } from '../logger.ts';
import type { ApiRequest } from './types.ts';

export function accessLog(routeKey: string): MiddlewareObj {
  const started = new WeakMap<object, number>();
  const startAccessLog = async (request: ApiRequest): Promise<void> => {
    started.set(request, performance.now());
    const appId = request.event.pathParameters?.app_id;
    request.event.log = {
      request_id: request.event.requestContext?.requestId ?? request.context.awsRequestId,
      route: routeKey,
      ...(appId ? { app_id: appId.slice(0, 64) } : {}),
    };
  };
  const writeAccessLog = async (request: ApiRequest): Promise<void> => {
    const latency = performance.now() - (started.get(request) ?? performance.now());
    logger.info('request completed', {
      ...request.event.log,
      status: request.response?.statusCode,
      latency_ms: Math.round(latency * 10) / 10,
    });
  };
  return { before: startAccessLog, after: writeAccessLog, onError: writeAccessLog } as MiddlewareObj;
}
