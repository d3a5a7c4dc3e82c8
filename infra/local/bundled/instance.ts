/**
 * One execution environment of a function: a child process running instance-runner.mjs with the
 * function's environment.
 *
 * Why child processes and not worker threads: a process has its own `process.env` (a worker thread shares
 * the variables' process and only gets a copy through `env`, and native code sees the parent's), its own
 * heap and memory figure (its peak RSS is what Lambda's "Max Memory Used" reports; a thread's would be
 * the whole runtime's), its own V8 heap limit
 * (`--max-old-space-size` at the function's memory size), and it can be killed at the timeout exactly as
 * Lambda discards a sandbox, with no way for the handler's code to survive it. A crash (an uncaught
 * exception, `process.exit`, an out-of-memory abort) ends only that instance.
 *
 * An instance serves one invocation at a time (pool.ts never hands a busy one out); its stdout and
 * stderr go to the runtime's stdout line by line, unprefixed, as the function's log stream.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InvocationError } from './invocation-error.ts';
import { endLine, reportLine, startLine, timeoutLine } from './log-lines.ts';
import type { BundledFunction } from './template.ts';

const RUNNER = join(import.meta.dirname, 'instance-runner.mjs');
/** The line instance-runner.mjs ends an invocation's output with, on each stream. */
const FLUSH_MARK = '\u001e__lambda_invocation_output_end__ ';
/** How long END and REPORT wait for the output's end markers (they normally come at once). */
const FLUSH_WAIT_MS = 1_000;

type RunnerMessage =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; errorType: string; errorMessage: string }
  | { type: 'result'; requestId: string; payload: string; durationMs: number; maxRssKb: number }
  | { type: 'error'; requestId: string; errorType: string; errorMessage: string; durationMs: number; maxRssKb: number };

export interface InstanceOptions {
  fn: BundledFunction;
  env: Record<string, string>;
  /** Where Lambda's platform lines (START, END, REPORT, timeouts) and the function's output go. */
  writeLine: (line: string) => void;
}

export class Instance {
  /** Set once the process is gone (crashed, killed, stopped): the pool drops it. */
  dead = false;
  busy = false;
  invocations = 0;
  readonly child: ChildProcess;
  private readonly ready: Promise<{ initMs: number }>;
  private initReported = false;
  private initMs = 0;
  /** End markers seen per request id (one per stream), and who waits for the second. */
  private readonly flushed = new Map<string, number>();
  private onFlushed?: () => void;
  private pending?: {
    requestId: string;
    settle: (message: RunnerMessage | { type: 'exit'; code: number | null; signal: string | null }) => void;
  };

  constructor(private readonly options: InstanceOptions) {
    const { fn, env } = options;
    this.child = fork(RUNNER, [], {
      cwd: fn.assetDir,
      env,
      // Lambda's Node.js runtime caps the heap by the function's memory; no loader, no inspector.
      execArgv: [`--max-old-space-size=${fn.memorySizeMb}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (!line.startsWith(FLUSH_MARK)) return options.writeLine(line);
        const requestId = line.slice(FLUSH_MARK.length);
        const seen = (this.flushed.get(requestId) ?? 0) + 1;
        this.flushed.set(requestId, seen);
        if (seen === 2) this.onFlushed?.();
      });
    }
    this.child.on('message', (message: RunnerMessage) => this.pending?.settle(message));
    this.child.on('exit', (code, signal) => {
      this.dead = true;
      this.pending?.settle({ type: 'exit', code, signal });
    });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: RunnerMessage) => {
        if (message.type === 'ready') resolve({ initMs: message.initMs });
        if (message.type === 'init-error') reject(new InvocationError(fn.name, message.errorType, message.errorMessage));
      };
      this.child.on('message', onMessage);
      this.child.once('exit', (code, signal) =>
        reject(new InvocationError(fn.name, 'Runtime.ExitError', `exited during init (${signal ?? code})`)),
      );
    });
    this.ready.catch(() => undefined); // reported by the invocation that waits for it
  }

  /** Runs one invocation and resolves its response payload (JSON text); rejects with an InvocationError. */
  async invoke(requestId: string, event: unknown): Promise<string> {
    const { fn, writeLine } = this.options;
    this.invocations++;
    let initMs: number;
    try {
      ({ initMs } = await this.ready);
    } catch (error) {
      writeLine(startLine(requestId));
      writeLine(endLine(requestId));
      const errorType = (error as InvocationError).errorType;
      writeLine(reportLine({ requestId, durationMs: 0, memorySizeMb: fn.memorySizeMb, maxMemoryUsedMb: 0, status: 'error', errorType }));
      this.kill();
      throw error;
    }
    const coldInit = this.initReported ? undefined : initMs;
    this.initReported = true;
    this.initMs = initMs;

    // The invoke phase starts after the init, and the timeout counts from there, as Lambda's does.
    writeLine(startLine(requestId));
    const started = performance.now();
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const outcome = new Promise<RunnerMessage | { type: 'exit'; code: number | null; signal: string | null } | { type: 'timeout' }>(
      (resolve) => {
        const timer = setTimeout(() => resolve({ type: 'timeout' }), Math.max(0, deadline - Date.now()));
        this.pending = {
          requestId,
          settle: (message) => {
            if ('requestId' in message && message.requestId !== requestId) return;
            if (message.type === 'ready' || message.type === 'init-error') return;
            clearTimeout(timer);
            resolve(message);
          },
        };
      },
    );
    this.child.send({ type: 'invoke', requestId, event, deadline });
    const message = await outcome;
    this.pending = undefined;
    if (message.type === 'result' || message.type === 'error') await this.outputEnded(requestId);
    const durationMs = performance.now() - started;
    const report = (extra: { maxRssKb?: number; status?: 'timeout' | 'error'; errorType?: string }) => {
      writeLine(endLine(requestId));
      writeLine(
        reportLine({
          requestId,
          durationMs: message.type === 'result' || message.type === 'error' ? message.durationMs : durationMs,
          memorySizeMb: fn.memorySizeMb,
          maxMemoryUsedMb: (extra.maxRssKb ?? 0) / 1024,
          ...(coldInit !== undefined ? { initDurationMs: coldInit } : {}),
          ...(extra.status ? { status: extra.status } : {}),
          ...(extra.errorType ? { errorType: extra.errorType } : {}),
        }),
      );
    };
    switch (message.type) {
      case 'result':
        report({ maxRssKb: message.maxRssKb });
        return message.payload;
      case 'error':
        report({ maxRssKb: message.maxRssKb });
        throw new InvocationError(fn.name, message.errorType, message.errorMessage);
      case 'timeout':
        // Lambda stops the sandbox: nothing the handler still runs survives (no late writes, no reuse).
        writeLine(timeoutLine(requestId, fn.timeoutSeconds));
        this.kill();
        report({ status: 'timeout' });
        throw new InvocationError(fn.name, 'Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`);
      default: {
        const how = 'signal' in message ? (message.signal ?? `exit code ${message.code}`) : 'unknown';
        writeLine(`${new Date().toISOString()} ${requestId} Error: Runtime exited with error: ${how}`);
        report({ status: 'error', errorType: 'Runtime.ExitError' });
        throw new InvocationError(fn.name, 'Runtime.ExitError', `Runtime exited with error: ${how}`);
      }
    }
  }

  /**
   * Resolves once both streams have delivered the invocation's end marker: the IPC message with the
   * result can overtake the last lines still in the pipes.
   */
  private outputEnded(requestId: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.onFlushed = undefined;
        this.flushed.delete(requestId);
        resolve();
      };
      const timer = setTimeout(done, FLUSH_WAIT_MS);
      if (this.flushed.get(requestId) === 2) done();
      else this.onFlushed = () => this.flushed.get(requestId) === 2 && done();
    });
  }

  /** The init duration this instance reported (0 before it is ready). */
  get initDurationMs(): number {
    return this.initMs;
  }

  kill(): void {
    this.dead = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.kill();
    await exited;
  }
}
