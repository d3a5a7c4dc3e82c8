/**
 * The local gateway in front of bundle-mode functions (fixture handlers): every invocation error (timeout,
 * crash, response over 6 MB, throttle) is a 500 of the gateway's own; a request whose event would pass
 * Lambda's 6 MB invoke limit is answered 413 before any function runs.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundledFunctions, startBundledFunctions } from '../../infra/local/bundled/functions.ts';
import type { BundledFunction } from '../../infra/local/bundled/template.ts';
import { createGateway } from '../../infra/local/gateway.ts';

const probe: BundledFunction = {
  name: 'probe',
  logicalId: 'ProbeFunction',
  roleLogicalId: 'ProbeRole',
  assetDir: join(import.meta.dirname, '../fixtures/lambdas'),
  handler: 'probe.handler',
  environment: {},
  memorySizeMb: 128,
  timeoutSeconds: 1,
  reservedConcurrency: 1,
};

describe('gateway answers for bundle-mode invocations', () => {
  const lines: string[] = [];
  let functions: BundledFunctions;
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    functions = startBundledFunctions(
      { functions: [probe], routes: [{ method: 'POST', path: '/probe', function: 'probe' }] },
      { tableName: 't', dynamodbEndpoint: 'http://127.0.0.1:9', region: 'local', jwtIssuer: 'https://issuer.test.example' },
      { writeLine: (line) => lines.push(line) },
    );
    const server = createGateway(functions.routes, { rateLimit: 1000, burstLimit: 1000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/probe`;
    close = () => server.close();
  });
  afterAll(async () => {
    close();
    await functions.stop();
  });

  async function expectInternalError(res: Response) {
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal server error', error_code: 500 });
    expect(res.headers.get('x-request-id')).toBe(res.headers.get('apigw-requestid'));
  }

  it('routes to the function and passes its answer on', async () => {
    const res = await fetch(url, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ functionName: 'probe', served: 1 });
  });

  it('500 for a timeout, a crash, a response over 6 MB and a throttle', async () => {
    await expectInternalError(await fetch(`${url}?action=hang`, { method: 'POST' }));
    await expectInternalError(await fetch(`${url}?action=exit`, { method: 'POST' }));
    await expectInternalError(await fetch(`${url}?action=payload&bytes=6300000`, { method: 'POST' }));
    const busy = fetch(`${url}?action=sleep&ms=500`, { method: 'POST' });
    // Reserved concurrency 1 and the one instance busy: throttled.
    await expect.poll(() => lines.filter((line) => line.startsWith('START ')).length).toBe(4);
    await expectInternalError(await fetch(url, { method: 'POST' }));
    expect((await busy).status).toBe(200);
    expect(lines.some((line) => line.includes('Task timed out after 1.00 seconds'))).toBe(true);
  });

  it("413 before any function runs when the event would pass Lambda's 6 MB request limit", async () => {
    const starts = () => lines.filter((line) => line.startsWith('START ')).length;
    const before = starts();
    const res = await fetch(url, { method: 'POST', body: 'a'.repeat(6 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ message: 'Request Entity Too Large', error_code: 413 });
    expect(starts()).toBe(before);
    // Under the limit, the same function runs.
    expect((await fetch(url, { method: 'POST', body: 'a'.repeat(5 * 1024 * 1024) })).status).toBe(200);
    expect(starts()).toBe(before + 1);
  });
});
