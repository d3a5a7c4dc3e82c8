/**
 * The EMF lines the service writes to its log, as CloudWatch Logs would receive them: one JSON line per
 * request, tied to it by `request_id` (metadata, not a dimension), counting its response in one status
 * class of its operation, even when one process serves many requests at once (the local runtime does).
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { adminToken, runtime, token } from '../fixtures/tokens.ts';

type Emf = Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } };

async function emfLinesFor(requestIds: string[]): Promise<Map<string, Emf>> {
  const found = new Map<string, Emf>();
  for (const deadline = Date.now() + 10_000; found.size < requestIds.length && Date.now() < deadline; ) {
    for (const line of readFileSync(runtime().logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{"_aws"')) continue;
      const entry = JSON.parse(line) as Emf;
      if (requestIds.includes(String(entry.request_id))) found.set(String(entry.request_id), entry);
    }
    if (found.size < requestIds.length) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return found;
}

localOnly(NEEDS.log).describe('metrics in the log (EMF)', () => {
  it('one line per request, in its operation and status class, under concurrency', async () => {
    const calls = Array.from({ length: 24 }, (_, i) => {
      const tenant = uniqueTenant(`emf${i}`);
      if (i % 3 === 0)
        return {
          operation: 'createApp',
          cls: '2xx',
          send: () => call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'e' } }),
        };
      if (i % 3 === 1) return { operation: 'listApps', cls: '4xx', send: () => call('GET', APPS, { token: token({ tid: tenant }) }) };
      return { operation: 'listApps', cls: '4xx', send: () => call('GET', APPS, { token: 'not.a.jwt' }) };
    });
    const responses = await Promise.all(calls.map((c) => c.send()));
    const ids = responses.map((r) => r.headers.get('x-request-id') ?? '');
    const lines = await emfLinesFor(ids);
    expect(lines.size).toBe(calls.length);
    calls.forEach((c, i) => {
      const line = lines.get(ids[i]!);
      expect(line?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'ManagementApps', Dimensions: [['service', 'operation']] });
      expect(line).toMatchObject({
        service: 'management-apps',
        operation: c.operation,
        Responses2xx: c.cls === '2xx' ? 1 : 0,
        Responses4xx: c.cls === '4xx' ? 1 : 0,
        Responses5xx: 0,
      });
      expect(line?.Latency).toBeTypeOf('number');
    });
  });
});
