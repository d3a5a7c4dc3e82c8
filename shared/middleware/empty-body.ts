/**
 * For routes that take no body (POST …/secrets): nothing, or `{}`, which some clients send with every
 * POST. Anything else is a 400, never silently ignored: a caller who sends fields expects them to count.
 * No Content-Type is needed for an empty body, so this replaces the JSON body guard on such routes.
 */
import type { MiddlewareObj } from '@middy/core';
import { InvalidRequest } from '../errors.ts';
import type { ApiRequest } from './types.ts';

/** `{}` with any whitespace; a longer body is not worth parsing. */
const EMPTY_OBJECT = /^\s*\{\s*\}\s*$/;
const MAX_EMPTY_BODY = 1024;

export function emptyBody(): MiddlewareObj {
  const emptyBodyBefore = async (request: ApiRequest): Promise<void> => {
    const { isBase64Encoded } = request.event;
    const raw = request.event.body as string | undefined;
    const body = raw && isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    const empty = body === undefined || body.trim() === '' || (body.length <= MAX_EMPTY_BODY && EMPTY_OBJECT.test(body));
    if (!empty) throw new InvalidRequest('This request takes no body: send none, or {}', [{ path: '', message: 'Must be empty' }]);
    request.event.body = undefined;
  };
  return { before: emptyBodyBefore } as MiddlewareObj;
}
