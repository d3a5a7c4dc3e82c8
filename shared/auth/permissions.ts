/** Who the caller is and what they may do, from verified token claims (contract §2). */
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

/** Every permission the service checks (contract §2). */
export const PERMISSIONS = ['apps:create', 'apps:read', 'apps:edit', 'apps:delete'] as const;

export type Permission = (typeof PERMISSIONS)[number];

export interface Caller {
  tenantId: string;
  /** `sub` of the token: recorded as `created_by`. */
  subject: string;
  isAdmin: boolean;
  permissions: ReadonlySet<string>;
}

const stringArray = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

export function callerFromClaims(claims: JwtPayload): Caller {
  const roles = typeof claims.role === 'string' ? [claims.role] : stringArray(claims.role);
  const scope = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  return {
    tenantId: claims.tid as string,
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    isAdmin: roles.includes('Admin'),
    permissions: new Set([...stringArray(claims.ts_permissions), ...stringArray(claims.permissions), ...scope]),
  };
}

export function mayPerform(caller: Caller, permission: Permission): boolean {
  return caller.isAdmin || caller.permissions.has(permission);
}
