/**
 * The local schedule (the stand-in for the redrive's EventBridge rule): what it hands the handler, its
 * rate, that it never overlaps runs, survives a failing run, stops cleanly, and never keeps a process
 * alive. The redrive itself, invoked by this schedule with the real handler, is in cleanup-redrive.test.ts.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalSchedule } from '../../infra/local/schedule.ts';
import { CLEANUP_REDRIVE } from '../../shared/cleanup/event-source.ts';
import { isScheduledEvent } from '../../shared/cleanup/redrive.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

describe('local schedule', () => {
  it('invokes the handler at its rate with an EventBridge Scheduled Event and a Lambda context', async () => {
    const calls: { event: ScheduledEvent; context: Context; at: number }[] = [];
    const started = Date.now();
    const schedule = new LocalSchedule({
      name: CLEANUP_REDRIVE.name,
      functionName: 'cleanupApp',
      rateMs: 50,
      timeoutMs: 300_000,
      handler: async (event, context) => void calls.push({ event, context, at: Date.now() }),
    }).start();
    await until(() => calls.length >= 2);
    await schedule.stop();

    expect(calls[0]!.at - started).toBeGreaterThanOrEqual(45); // the first run one rate after the start, as a new rule
    const { event, context } = calls[0]!;
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: expect.stringMatching(/^\d{12}$/),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: expect.any(String),
      resources: [expect.stringMatching(new RegExp(`^arn:aws:events:[^:]+:\\d{12}:rule/${CLEANUP_REDRIVE.name}$`))],
      detail: {},
    });
    expect(Math.abs(Date.parse(event.time) - calls[0]!.at)).toBeLessThan(2_000);
    expect(isScheduledEvent(event)).toBe(true); // what the cleanup handler dispatches on
    expect(calls[1]!.event.id).not.toBe(event.id);
    expect(context.functionName).toBe('cleanupApp');
    expect(context.awsRequestId).not.toBe(calls[1]!.context.awsRequestId);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(290_000);
  });

  it('skips a tick while a run is in progress, goes on after a failing run, and stop() waits for the run', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    let finished = 0;
    const lines: Record<string, unknown>[] = [];
    const schedule = new LocalSchedule({
      name: 'probe',
      functionName: 'fn',
      rateMs: 10,
      log: (line) => lines.push(line),
      handler: async () => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(60);
        active--;
        finished++;
        if (calls === 1) throw new Error('first run fails');
      },
    }).start();
    await until(() => calls >= 3);
    await schedule.stop();
    const afterStop = calls;
    expect(finished).toBe(calls); // the run in progress was awaited
    expect(maxActive).toBe(1);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', schedule: 'probe', error: 'Error: first run fails' }));
    await sleep(50);
    expect(calls).toBe(afterStop);
  });

  it("never keeps a process alive (the timer is unref'd)", async () => {
    const module = join(import.meta.dirname, '../../infra/local/schedule.ts');
    const code = `const { LocalSchedule } = await import(${JSON.stringify(module)});
      new LocalSchedule({ name: 'n', functionName: 'f', rateMs: 3_600_000, handler: async () => {} }).start();`;
    const started = Date.now();
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { timeout: 15_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
