/**
 * The suite talks to the service it was pointed at: E2E_API_URL when set (then the tokens come from
 * E2E_TOKEN_COMMAND and nothing was spawned), else the local runtime the global setup started.
 */
import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { target } from '../fixtures/target.ts';
import { adminToken, payloadOf, runtime } from '../fixtures/tokens.ts';

const apiUrl = process.env.E2E_API_URL;

describe('the service under test', () => {
  it('is E2E_API_URL when set, else the spawned local runtime', () => {
    if (apiUrl) {
      expect(target()).toMatchObject({ external: true, tokenCommand: process.env.E2E_TOKEN_COMMAND?.trim() });
      expect(`${target().baseUrl}/`).toBe(new URL(apiUrl).href.replace(/\/*$/, '/'));
      expect(() => runtime()).toThrow(/localOnly/);
    } else {
      expect(target()).toEqual({ baseUrl: runtime().baseUrl, external: false, tokenCommand: '', tokenPool: '' });
    }
  });

  it('answers the requests the tests make, with the tokens they get', async () => {
    const tenant = uniqueTenant();
    const bearer = adminToken(tenant);
    expect(payloadOf(bearer).tid).toBe(tenant);
    const res = await call('GET', APPS, { token: bearer });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${apiUrl ? new URL(apiUrl).href.replace(/\/*$/, '') : runtime().baseUrl}${APPS}`);
  });
});
