/** Bearer JWT → `event.caller`, then the route's permission (contract §2). */
import type { MiddlewareObj } from '@middy/core';
import { type Caller, callerFromClaims, mayPerform, type Permission } from '../auth/permissions.ts';
import { isJwksUnavailable, rejectionName, type TokenVerifier } from '../auth/verifier.ts';
import { PermissionDenied, Unauthenticated, Unavailable } from '../errors.ts';
import { logger } from '../logger.ts';
import type { ApiRequest } from './types.ts';

const BEARER = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

export function authorize(verifier: TokenVerifier, permission: Permission): MiddlewareObj {
  const authorizeBefore = async (request: ApiRequest): Promise<void> => {
    const header = request.event.headers?.authorization;
    if (!header) throw new Unauthenticated(false);
    // API Gateway joins repeated headers with commas, and no credential of ours has one: two
    // Authorization headers are refused as such, never resolved by picking one (contract §2).
    if (header.includes(',')) {
      logger.info('token rejected', { ...request.event.log, reason: 'MultipleAuthorizationHeaders' });
      throw new Unauthenticated(true);
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) throw new Unauthenticated(true);
    let caller: Caller;
    try {
      caller = callerFromClaims(await verifier.verify(token));
    } catch (error) {
      // The issuer's keys could not be fetched: the token may well be valid, so retry later, not 401.
      if (isJwksUnavailable(error)) {
        logger.warn('JWKS unavailable', { ...request.event.log, reason: rejectionName(error) });
        throw new Unavailable();
      }
      // The reason helps an operator; the caller only ever learns "Invalid token". The token is not logged.
      logger.info('token rejected', { ...request.event.log, reason: rejectionName(error) });
      throw new Unauthenticated(true);
    }
    request.event.log.tenant_id = caller.tenantId;
    if (!mayPerform(caller, permission)) throw new PermissionDenied(permission);
    request.event.caller = caller;
  };
  return { before: authorizeBefore } as MiddlewareObj;
}
