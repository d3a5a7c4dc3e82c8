/**
 * Headers every response carries (contract §1): JSON content type (not on 204), no caching of
 * credentials, nosniff, and the request id. Registered outside the error handler so error
 * responses get them too.
 */
import type { MiddlewareObj } from '@middy/core';
import type { ApiRequest } from './types.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';

export function responseHeaders(): MiddlewareObj {
  const setResponseHeaders = async (request: ApiRequest): Promise<void> => {
    const response = request.response;
    if (!response) return;
    const headers: Record<string, string | number | boolean> = { ...response.headers };
    if (response.statusCode !== 204) headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Cache-Control'] = 'no-store';
    headers['X-Content-Type-Options'] = 'nosniff';
    headers[REQUEST_ID_HEADER] = request.event.requestContext?.requestId ?? request.context.awsRequestId;
    response.headers = headers;
  };
  return { after: setResponseHeaders, onError: setResponseHeaders } as MiddlewareObj;
}
