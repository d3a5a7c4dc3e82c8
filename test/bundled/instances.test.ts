/**
 * Bundle mode's execution model with tiny fixture handlers (test/fixtures/lambdas/): one invocation at a
 * time per instance, reuse of idle instances, the concurrency cap and throttling, the timeout (the
 * instance is killed), crashes and handler errors, Lambda's 6 MB response limit, the START/END/REPORT
 * lines, and each function's own environment. Real child processes, real IPC; no durations asserted.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalOverrides } from '../../infra/local/bundled/environment.ts';
import { instanceEnvironment } from '../../infra/local/bundled/environment.ts';
import { InvocationError } from '../../infra/local/bundled/invocation-error.ts';
import { FunctionPool } from '../../infra/local/bundled/pool.ts';
import type { BundledFunction } from '../../infra/local/bundled/template.ts';

const LAMBDAS = join(import.meta.dirname, '../fixtures/lambdas');
const LOCAL: LocalOverrides = {
  tableName: 'local-table',
  dynamodbEndpoint: 'http://127.0.0.1:9',
  region: 'local',
  jwtIssuer: 'https://issuer.test.example',
};

interface Probe {
  pid: number;
  served: number;
  remainingMs: number;
  memoryLimitInMB: string;
  functionName: string;
  env: Record<string, string | null>;
}

const probeFunction = (overrides: Partial<BundledFunction> = {}): BundledFunction => ({
  name: 'probe',
  logicalId: 'ProbeFunction',
  roleLogicalId: 'ProbeRole',
  assetDir: LAMBDAS,
  handler: 'probe.handler',
  environment: { OWN_VARIABLE: 'probe-value', TABLE_NAME: 'the-template-table' },
  memorySizeMb: 256,
  timeoutSeconds: 5,
  ...overrides,
});

const pools: FunctionPool[] = [];
function pool(fn: BundledFunction, maxInstances?: number) {
  const lines: string[] = [];
  const created = new FunctionPool({ fn, env: instanceEnvironment(fn, LOCAL), maxInstances, writeLine: (line) => lines.push(line) });
  pools.push(created);
  return { pool: created, lines };
}

async function failure(promise: Promise<unknown>): Promise<InvocationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvocationError);
  return error as InvocationError;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const reports = (lines: string[]) => lines.filter((line) => line.startsWith('REPORT '));

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

describe('bundle mode instances', () => {
  beforeAll(() => {
    // A variable of the runtime's own environment: no instance may see it.
    process.env.BUNDLED_TEST_PARENT_ONLY = 'leak';
  });

  it('serves one invocation at a time per instance, reuses an idle one, and reports Init Duration only on cold starts', async () => {
    const { pool: probe, lines } = pool(probeFunction());
    const [a, b] = (await Promise.all([probe.invoke({ action: 'sleep', ms: 300 }), probe.invoke({ action: 'sleep', ms: 300 })])) as Probe[];
    // Two invocations at once: two instances, each with its own module scope.
    expect(a?.pid).not.toBe(b?.pid);
    expect([a?.served, b?.served]).toEqual([1, 1]);

    const c = (await probe.invoke({})) as Probe;
    expect([a?.pid, b?.pid]).toContain(c.pid);
    expect(c.served).toBe(2);
    expect(probe.instances).toHaveLength(2);

    const report = reports(lines);
    expect(report).toHaveLength(3);
    expect(report.filter((line) => line.includes('Init Duration'))).toHaveLength(2);
    expect(report.at(-1)).not.toContain('Init Duration');
    for (const line of report) {
      expect(line).toMatch(
        /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB(\tInit Duration: \d+\.\d{2} ms)?$/,
      );
    }
    // Each invocation: START, then END, then REPORT, with one request id.
    const ids = report.map((line) => /RequestId: (\S+)/.exec(line)?.[1]);
    for (const id of ids) {
      const start = lines.indexOf(`START RequestId: ${id} Version: $LATEST`);
      const end = lines.indexOf(`END RequestId: ${id}`);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(end).toBeGreaterThan(start);
      expect(lines.findIndex((line) => line.startsWith(`REPORT RequestId: ${id}\t`))).toBe(end + 1);
    }
  });

  it("writes the function's output unprefixed, between its START and END lines", async () => {
    const { pool: probe, lines } = pool(probeFunction());
    for (let i = 0; i < 5; i++) await probe.invoke({ action: 'log' });
    const ids = reports(lines).map((line) => /RequestId: (\S+)/.exec(line)?.[1] as string);
    expect(ids).toHaveLength(5);
    for (const id of ids) {
      const start = lines.indexOf(`START RequestId: ${id} Version: $LATEST`);
      const end = lines.indexOf(`END RequestId: ${id}`);
      const own = lines.indexOf(JSON.stringify({ level: 'INFO', message: 'from the handler', request: id }));
      expect(own).toBeGreaterThan(start);
      expect(own).toBeLessThan(end);
      expect(lines.slice(start, end).filter((line) => line === 'plain stderr line')).toHaveLength(1);
      expect(lines.slice(start, end).filter((line) => line === 'y'.repeat(300_000))).toHaveLength(1);
    }
    // Nothing of the runtime's own plumbing reaches the log.
    expect(lines.some((line) => line.includes('__lambda_invocation_output_end__'))).toBe(false);
  });

  it("reports the instance's own peak memory, not the runtime's that started it", async () => {
    // The runtime holds 300 MB when the instance starts; Linux carries a forking parent's peak into the
    // child's ru_maxrss, so that figure would read 300+ MB for a handler that uses a fraction of it.
    const held = Buffer.alloc(300 * 1024 * 1024, 1);
    const { pool: probe, lines } = pool(probeFunction());
    await probe.invoke({});
    expect(held.length).toBe(300 * 1024 * 1024);
    const used = Number(/\tMax Memory Used: (\d+) MB/.exec(reports(lines)[0] ?? '')?.[1]);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(200);
  });

  it('starts no instance past the reserved concurrency: the invocation is throttled', async () => {
    const { pool: reserved, lines } = pool(probeFunction({ reservedConcurrency: 1 }), 5);
    const first = reserved.invoke({ action: 'sleep', ms: 400 });
    const throttled = await failure(reserved.invoke({}));
    expect(throttled.errorType).toBe('TooManyRequestsException');
    await first;
    expect(reserved.instances).toHaveLength(1);
    expect(lines.some((line) => line.includes('"errorType":"TooManyRequestsException"'))).toBe(true);
  });

  it('past the local cap without reserved concurrency, an invocation waits for a free instance: no throttle', async () => {
    // LAMBDA_MAX_INSTANCES stands in for the account's unreserved pool, which AWS would not exhaust here.
    const { pool: capped, lines } = pool(probeFunction(), 2);
    const answers = (await Promise.all([
      capped.invoke({ action: 'sleep', ms: 300 }),
      capped.invoke({ action: 'sleep', ms: 300 }),
      capped.invoke({}),
    ])) as Probe[];
    expect(capped.instances).toHaveLength(2);
    expect(capped.throttles).toBe(0);
    expect(capped.queued).toBe(1);
    // The third ran on one of the two instances, after its first invocation: its second served.
    expect(answers[2]?.served).toBe(2);
    expect(reports(lines).filter((line) => line.includes('Init Duration'))).toHaveLength(2);
  });

  it('kills an instance at the timeout, logs it as Lambda does, and cold-starts the next invocation', async () => {
    const { pool: probe, lines } = pool(probeFunction({ timeoutSeconds: 1 }));
    const first = (await probe.invoke({})) as Probe;
    // The context's deadline is the function's timeout.
    expect(first.remainingMs).toBeGreaterThan(0);
    expect(first.remainingMs).toBeLessThanOrEqual(1000);

    const timedOut = await failure(probe.invoke({ action: 'hang' }));
    expect(timedOut.errorType).toBe('Sandbox.Timedout');
    expect(lines.some((line) => / [0-9a-f-]{36} Task timed out after 1\.00 seconds$/.test(line))).toBe(true);
    expect(reports(lines).at(-1)).toMatch(/\tStatus: timeout$/);
    await expect.poll(() => alive(first.pid)).toBe(false);

    const next = (await probe.invoke({})) as Probe;
    expect(next.pid).not.toBe(first.pid);
    expect(next.served).toBe(1);
    expect(reports(lines).at(-1)).toContain('Init Duration');
  });

  it('a handler error fails the invocation and keeps the instance; a crash fails it and loses the instance', async () => {
    const { pool: probe, lines } = pool(probeFunction());
    const first = (await probe.invoke({})) as Probe;

    const thrown = await failure(probe.invoke({ action: 'throw' }));
    expect(thrown.errorType).toBe('TypeError');
    expect(
      lines.some((line) => line.includes('\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"the handler failed"}')),
    ).toBe(true);
    expect(((await probe.invoke({})) as Probe).pid).toBe(first.pid);

    const crashed = await failure(probe.invoke({ action: 'exit' }));
    expect(crashed.errorType).toBe('Runtime.ExitError');
    expect(reports(lines).at(-1)).toMatch(/\tStatus: error\tError Type: Runtime\.ExitError$/);
    const after = (await probe.invoke({})) as Probe;
    expect(after.pid).not.toBe(first.pid);
  });

  it('an init error fails every invocation of the instance', async () => {
    const { pool: broken, lines } = pool(probeFunction({ handler: 'broken-init.handler' }));
    const error = await failure(broken.invoke({}));
    expect(error.message).toContain('missing configuration at load time');
    expect(reports(lines).at(-1)).toMatch(/\tStatus: error\tError Type: Error$/);
  });

  it("enforces Lambda's response limit: 6,291,556 bytes pass, one more is an invocation error", async () => {
    const { pool: probe, lines } = pool(probeFunction());
    expect(((await probe.invoke({ action: 'payload', bytes: 6_291_556 })) as string).length).toBe(6_291_554);
    const tooLarge = await failure(probe.invoke({ action: 'payload', bytes: 6_291_557 }));
    expect(tooLarge.errorType).toBe('Function.ResponseSizeTooLarge');
    expect(tooLarge.message).toContain('Response payload size exceeded maximum allowed payload size (6291556 bytes).');
    expect(lines.some((line) => line.includes('LAMBDA_RUNTIME Failed to post handler success response. Http response code: 413.'))).toBe(
      true,
    );
  });

  it("gives each function its own environment: the template's values, local overrides, its own credentials", async () => {
    const { pool: a } = pool(probeFunction({ name: 'createApp', environment: { OWN_VARIABLE: 'a', TABLE_NAME: 'x' } }));
    const { pool: b } = pool(probeFunction({ name: 'cleanupApp', environment: { OWN_VARIABLE: 'b' }, memorySizeMb: 1024 }));
    const [fromA, fromB] = (await Promise.all([a.invoke({}), b.invoke({})])) as Probe[];
    expect(fromA?.env).toEqual({
      own: 'a',
      accessKeyId: 'createApp',
      sessionToken: null,
      leaked: null,
      tableName: 'local-table',
      functionNameVariable: 'createApp',
      memory: '256',
      handler: 'probe.handler',
    });
    // No TABLE_NAME in its template: none locally either.
    expect(fromB?.env).toMatchObject({ own: 'b', accessKeyId: 'cleanupApp', leaked: null, tableName: null, memory: '1024' });
    expect([fromB?.functionName, fromB?.memoryLimitInMB]).toEqual(['cleanupApp', '1024']);
  });
});
