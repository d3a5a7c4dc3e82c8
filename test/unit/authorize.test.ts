/** The authorizer alone, in Middy's style: what reaches the verifier, and what never does. */
import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Unauthenticated } from '../../shared/errors.ts';
import { logger } from '../../shared/logger.ts';
import { authorize } from '../../shared/middleware/authorize.ts';

const verify = vi.fn(async (token: string) => ({ tid: 'acme', sub: 'u', role: 'Admin', token }));

const run = (authorization: string) => {
  const chain = middy<{ caller: unknown }>()
    .use(authorize({ verify }, 'apps:read'))
    .handler(async (event: { caller: unknown }) => event.caller);
  return chain({ headers: { authorization }, log: { request_id: 'r', route: 'x' } } as never, {} as never);
};

afterEach(() => {
  verify.mockClear();
  vi.restoreAllMocks();
});

describe('authorize', () => {
  it('passes one Bearer token to the verifier', async () => {
    await expect(run('Bearer a.b.c')).resolves.toMatchObject({ tenantId: 'acme', isAdmin: true });
    expect(verify).toHaveBeenCalledWith('a.b.c');
  });

  it.each(['Bearer a.b.c,Bearer a.b.c', 'Bearer a.b.c,Bearer x.y.z', 'Bearer a.b.c, Basic eDp5', 'Bearer a.b.c,'])(
    'refuses two Authorization headers, as API Gateway joins them (%s): 401, logged, never verified',
    async (joined) => {
      const info = vi.spyOn(logger, 'info');
      const error = await run(joined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Unauthenticated);
      expect((error as Unauthenticated).credentialsPresent).toBe(true);
      expect(verify).not.toHaveBeenCalled();
      expect(info).toHaveBeenCalledWith('token rejected', expect.objectContaining({ reason: 'MultipleAuthorizationHeaders' }));
    },
  );
});
