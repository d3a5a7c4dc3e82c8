/**
 * Access log lines carry the right request's fields even when one process serves many requests at
 * once (the local runtime does; so does any Node server): nothing per request lives on the shared logger.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { adminToken, runtime, token } from '../fixtures/tokens.ts';

async function logLinesFor(requestIds: string[], message = 'request completed'): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (const deadline = Date.now() + 10_000; found.size < requestIds.length && Date.now() < deadline; ) {
    for (const line of readFileSync(runtime().logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.message === message && requestIds.includes(String(entry.request_id))) found.set(String(entry.request_id), entry);
    }
    if (found.size < requestIds.length) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return found;
}

localOnly(NEEDS.log).describe('access log', () => {
  it('attributes each line to its own request under concurrency', async () => {
    const calls = Array.from({ length: 30 }, (_, i) => {
      const tenant = uniqueTenant(`log${i}`);
      if (i % 3 === 0)
        return {
          tenant,
          route: 'POST /v1/management/applications',
          status: 201,
          send: () => call('POST', APPS, { token: adminToken(tenant), body: { app_name: `log ${i}` } }),
        };
      if (i % 3 === 1)
        return {
          tenant,
          route: 'GET /v1/management/applications',
          status: 200,
          send: () => call('GET', APPS, { token: adminToken(tenant) }),
        };
      return {
        tenant,
        route: 'GET /v1/management/applications',
        status: 403,
        send: () => call('GET', APPS, { token: token({ tid: tenant }) }),
      };
    });
    const responses = await Promise.all(calls.map((c) => c.send()));
    const ids = responses.map((r) => r.headers.get('x-request-id') ?? '');
    const lines = await logLinesFor(ids);
    expect(lines.size).toBe(calls.length);
    calls.forEach((c, i) => {
      expect(responses[i]?.status).toBe(c.status);
      const line = lines.get(ids[i]!);
      expect(line).toMatchObject({ tenant_id: c.tenant, route: c.route, status: c.status, level: 'INFO' });
      if (c.status === 201) expect(line?.app_id).toBe(responses[i]?.body.result.app_id);
      else expect(line).not.toHaveProperty('app_id');
      expect(typeof line?.latency_ms).toBe('number');
    });
  });

  it('a rejected token is logged with the check that failed, never as a bare "Error"', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      ['JwtExpiredError', token({ iat: now - 600, exp: now - 300 })],
      ['JwtInvalidAudienceError', token({ aud: 'someone-else' })],
      ['JwtInvalidIssuerError', token({ iss: 'https://elsewhere.example.com' })],
      ['JwtContractClaimError', token({ exp: undefined })],
      ['JwtParseError', 'not.a.jwt'],
    ] as const;
    const responses = await Promise.all(cases.map(([, bad]) => call('GET', APPS, { token: bad })));
    const ids = responses.map((r) => r.headers.get('x-request-id') ?? '');
    const lines = await logLinesFor(ids, 'token rejected');
    cases.forEach(([reason], i) => {
      expect(responses[i]?.status).toBe(401);
      expect(lines.get(ids[i]!)?.reason, reason).toBe(reason);
    });
  });
});
