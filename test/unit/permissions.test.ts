import { describe, expect, it } from 'vitest';
import { callerFromClaims, mayPerform } from '../../shared/auth/permissions.ts';

describe('permissions', () => {
  it('Admin role (string or array) grants everything', () => {
    for (const role of ['Admin', ['Viewer', 'Admin']]) {
      const caller = callerFromClaims({ tid: 't', role });
      expect(['apps:create', 'apps:read', 'apps:edit', 'apps:delete'].every((p) => mayPerform(caller, p as never))).toBe(true);
    }
  });

  it('other roles grant nothing by themselves; "admin" is not "Admin"', () => {
    expect(mayPerform(callerFromClaims({ tid: 't', role: ['admin', 'Viewer'] }), 'apps:read')).toBe(false);
  });

  it('unions ts_permissions, permissions and scope', () => {
    const caller = callerFromClaims({ tid: 't', ts_permissions: ['apps:read'], permissions: ['apps:edit'], scope: 'openid  apps:delete' });
    expect(mayPerform(caller, 'apps:read')).toBe(true);
    expect(mayPerform(caller, 'apps:edit')).toBe(true);
    expect(mayPerform(caller, 'apps:delete')).toBe(true);
    expect(mayPerform(caller, 'apps:create')).toBe(false);
  });

  it('ignores malformed claim types', () => {
    const caller = callerFromClaims({ tid: 't', permissions: 'apps:create', ts_permissions: [1, null], scope: ['apps:create'] } as never);
    expect(mayPerform(caller, 'apps:create')).toBe(false);
  });

  it('takes tenant and subject from tid and sub', () => {
    expect(callerFromClaims({ tid: 'acme', sub: 'u1' })).toMatchObject({ tenantId: 'acme', subject: 'u1', isAdmin: false });
  });
});
