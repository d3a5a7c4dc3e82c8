/** One function, several routes: each event goes to its route's chain, found by API Gateway's routeKey. */
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { functionHandler } from '../../shared/middleware/function-handler.ts';

const answering = (name: string) => async () => ({ statusCode: 200, headers: {}, body: name });
const invoke = (handler: ReturnType<typeof functionHandler>, routeKey: string) => handler({ routeKey } as never, {} as Context);

describe('functionHandler', () => {
  it("sends each route key to its route's chain", async () => {
    const handler = functionHandler('readApps', { listApps: answering('list'), getApp: answering('get') });
    expect((await invoke(handler, 'GET /v1/management/applications')).body).toBe('list');
    expect((await invoke(handler, 'GET /v1/management/applications/{app_id}')).body).toBe('get');
  });

  it('refuses a route key that is not one of the function (a deployment bug, never a guess)', async () => {
    const handler = functionHandler('readApps', { listApps: answering('list'), getApp: answering('get') });
    await expect(invoke(handler, 'PUT /v1/management/applications/{app_id}')).rejects.toThrow('readApps does not serve route PUT');
  });

  it('fails at cold start unless given exactly the routes the table gives the function', () => {
    expect(() => functionHandler('readApps', { listApps: answering('list') } as never)).toThrow(/readApps must handle exactly/);
    const extra = { deleteApp: answering('d'), getApp: answering('g') };
    expect(() => functionHandler('deleteApp', extra as never)).toThrow(/deleteApp must handle exactly/);
  });
});
