/**
 * A function's instances, as Lambda scales them: an invocation takes an idle instance if there is one,
 * else a new one starts (a cold start).
 * - Past the function's reserved concurrency (when the template sets one) the invocation is throttled:
 *   Lambda answers TooManyRequestsException and an HTTP API turns that into 500
 *   {"message":"Internal Server Error"} (no retry).
 * - Without one, the function draws on the account's unreserved pool (1,000 by default), which a laptop
 *   cannot hold as processes: past a local cap (LAMBDA_MAX_INSTANCES, default 10) an invocation waits for
 *   the next free instance instead. Throttling there would refuse load AWS accepts.
 * Instances are kept until stop(); one that crashed or timed out is discarded.
 */
import { randomUUID } from 'node:crypto';
import { Instance } from './instance.ts';
import { InvocationError } from './invocation-error.ts';
import type { BundledFunction } from './template.ts';

export const DEFAULT_MAX_INSTANCES = 10;

export interface PoolOptions {
  fn: BundledFunction;
  env: Record<string, string>;
  /** The local stand-in for the unreserved concurrency, used when the function reserves none. */
  maxInstances?: number;
  writeLine?: (line: string) => void;
}

export class FunctionPool {
  readonly instances: Instance[] = [];
  /** Invocations refused at the concurrency limit. */
  throttles = 0;
  /** Invocations that waited for a free instance at the local cap. */
  queued = 0;
  readonly concurrency: number;
  private readonly reserved: boolean;
  private readonly waiting: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: PoolOptions) {
    this.reserved = options.fn.reservedConcurrency !== undefined;
    this.concurrency = options.fn.reservedConcurrency ?? options.maxInstances ?? DEFAULT_MAX_INSTANCES;
  }

  get name(): string {
    return this.options.fn.name;
  }

  /** Invokes the function synchronously; resolves the parsed response payload. */
  async invoke(event: unknown, requestId: string = randomUUID()): Promise<unknown> {
    let instance = this.acquire();
    while (instance === 'full') {
      this.queued++;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      instance = this.acquire();
    }
    instance.busy = true;
    try {
      return JSON.parse(await instance.invoke(requestId, event));
    } finally {
      instance.busy = false;
      if (instance.dead) this.instances.splice(this.instances.indexOf(instance), 1);
      this.waiting.shift()?.();
    }
  }

  /** An instance to run on, or 'full' when the local cap is reached and the caller must wait. */
  private acquire(): Instance | 'full' {
    if (this.stopped) throw new InvocationError(this.name, 'ServiceException', 'the local runtime is stopping');
    // An instance that died while idle (a late crash) is gone, as a discarded sandbox is.
    for (let i = this.instances.length - 1; i >= 0; i--)
      if (this.instances[i]?.dead && !this.instances[i]?.busy) this.instances.splice(i, 1);
    const idle = this.instances.find((instance) => !instance.busy && !instance.dead);
    if (idle) return idle;
    if (this.instances.length >= this.concurrency) {
      if (!this.reserved) return 'full';
      this.throttles++;
      const line = {
        level: 'ERROR',
        message: 'Lambda throttled the invocation',
        function: this.name,
        errorType: 'TooManyRequestsException',
        concurrency: this.concurrency,
      };
      (this.options.writeLine ?? console.log)(JSON.stringify(line));
      throw new InvocationError(this.name, 'TooManyRequestsException', `Rate Exceeded (concurrency ${this.concurrency})`);
    }
    const instance = new Instance({
      fn: this.options.fn,
      env: this.options.env,
      writeLine: this.options.writeLine ?? ((line) => console.log(line)),
    });
    this.instances.push(instance);
    return instance;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.waiting.splice(0)) wake(); // each fails in acquire(): the runtime is stopping
    await Promise.all(this.instances.map((instance) => instance.stop()));
    this.instances.length = 0;
  }
}
