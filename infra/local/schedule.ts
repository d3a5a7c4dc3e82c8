/**
 * The local stand-in for an EventBridge schedule rule: invokes a handler with a Scheduled Event at a
 * fixed rate, as the rule does on AWS (the cleanup redrive, CLEANUP_REDRIVE in
 * shared/cleanup/event-source.ts). The timer is unref'd, so it never keeps a process alive; an
 * invocation still running when the next tick comes skips that tick (the Lambda's timeout is well below
 * the rate on AWS, so runs never overlap there either); a failing invocation is logged and the schedule
 * goes on, as EventBridge does.
 */
import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { lambdaContext, timeoutMsOf } from './lambda-context.ts';

export type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

export interface ScheduleOptions {
  /** The rule's name: in the event's `resources` and in log lines. */
  name: string;
  functionName: string;
  handler: ScheduledHandler;
  rateMs: number;
  /** The invocation's timeout, for the context's deadline. */
  timeoutMs?: number;
  log?: (line: Record<string, unknown>) => void;
}

/** The event EventBridge sends for a schedule rule (`detail` is always `{}`; `time` has no milliseconds). */
export function scheduledEvent(ruleName: string, time: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'local',
    resources: [`arn:aws:events:local:000000000000:rule/${ruleName}`],
    detail: {},
  };
}

export class LocalSchedule {
  invocations = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: ScheduleOptions) {}

  /** The first run comes one rate after the start, as with a new rule. */
  start(): this {
    this.timer = setInterval(() => {
      if (!this.running) void this.runOnce();
    }, this.options.rateMs);
    this.timer.unref();
    return this;
  }

  /** One invocation now, after any in progress (the timer's tick; also tests and operators). Never throws. */
  runOnce(): Promise<void> {
    const run = (this.running ?? Promise.resolve())
      .then(() => this.invoke())
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
    this.running = run;
    return run;
  }

  /** No further runs; waits for one in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async invoke(): Promise<void> {
    const { name, functionName, handler, timeoutMs } = this.options;
    this.invocations++;
    const context = lambdaContext(functionName, `schedule-${name}-${this.invocations}`, timeoutMs ?? timeoutMsOf(functionName));
    try {
      await handler(scheduledEvent(name, new Date()), context);
    } catch (error) {
      this.log({ level: 'ERROR', message: 'scheduled invocation failed', schedule: name, function: functionName, error: String(error) });
    }
  }

  private log(line: Record<string, unknown>): void {
    (this.options.log ?? ((l) => console.error(JSON.stringify(l))))({ timestamp: new Date().toISOString(), ...line });
  }
}
