/**
 * A deadline for every DynamoDB call made while serving one invocation, so a call the network or DynamoDB
 * leaves hanging ends as a 503 (error-handler.ts) while the function still has time to answer, instead of
 * running into the Lambda timeout and dying mid-request. The deadline is the function's remaining time
 * minus a reserve for building and sending the answer.
 *
 * The deadline travels in an AsyncLocalStorage, so the repositories and services never pass it around:
 * `runWithDeadline(context, fn)` scopes it, and the one DynamoDB client (client.ts) enforces it twice:
 * - `deadlineMiddleware`, outermost in the SDK stack (initialize step, outside the retry loop), races the
 *   whole call against the deadline: it bounds the SDK's retry back-off sleeps and credential or endpoint
 *   resolution too, which no per-attempt timeout can see.
 * - `DeadlineHttpHandler` aborts the attempt in flight at the deadline (the socket is destroyed, so no
 *   response is read and no retry runs after the answer has gone), and fails an attempt that starts after
 *   the deadline at once. It does not also cap the attempt's requestTimeout by the time left: that timer
 *   would fire at the same instant as the abort with a retryable `TimeoutError`, racing the
 *   non-retryable `DatabaseDeadlineExceeded` the abort gives.
 * Outside a scope (scripts, tests calling the repository directly) neither does anything: calls keep the
 * client's own per-attempt timeouts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context } from 'aws-lambda';

/** Time kept back from the function's remaining time to build and send the answer. */
export const DEADLINE_RESERVE_MS = 1_000;

/** The deadline passed before DynamoDB answered: the database counts as unavailable (503). */
export class DatabaseDeadlineExceeded extends Error {
  constructor() {
    super('The request deadline passed before DynamoDB answered');
    this.name = new.target.name;
  }
}

export function isDeadlineExceeded(error: unknown): boolean {
  return error instanceof Error && error.name === DatabaseDeadlineExceeded.name;
}

interface Deadline {
  /** Epoch milliseconds. */
  readonly at: number;
  /** Aborted (reason: a DatabaseDeadlineExceeded) at `at`, while the scope runs. */
  readonly signal: AbortSignal;
}

const scope = new AsyncLocalStorage<Deadline>();

/** The deadline in scope, if any. */
export function currentDeadline(): Deadline | undefined {
  return scope.getStore();
}

/**
 * Runs `fn` with a deadline for its DynamoDB calls: the Lambda's remaining time minus `reserveMs`.
 * A context without `getRemainingTimeInMillis` (some tests, containers) sets none. Inside another scope,
 * the earlier deadline wins.
 */
export function runWithDeadline<T>(
  context: Partial<Pick<Context, 'getRemainingTimeInMillis'>>,
  fn: () => Promise<T>,
  reserveMs = DEADLINE_RESERVE_MS,
): Promise<T> {
  const remaining = context.getRemainingTimeInMillis?.();
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return fn();
  return runUntil(Date.now() + remaining - reserveMs, fn);
}

/** Runs `fn` with a deadline for its DynamoDB calls at `at` (epoch milliseconds). */
export async function runUntil<T>(at: number, fn: () => Promise<T>): Promise<T> {
  const outer = scope.getStore();
  const deadline = Math.min(at, outer?.at ?? Infinity);
  const controller = new AbortController();
  // Every call in flight listens on this one signal until it ends, and one invocation may run many at
  // once (the cleanup handles a batch's records concurrently): not a leak, so no listener limit.
  setMaxListeners(0, controller.signal);
  // Unref'd and cleared when fn settles: neither a pending deadline nor a finished request keeps a timer.
  const timer = setTimeout(() => controller.abort(new DatabaseDeadlineExceeded()), Math.max(0, deadline - Date.now()));
  timer.unref();
  try {
    return await scope.run({ at: deadline, signal: controller.signal }, fn);
  } finally {
    clearTimeout(timer);
  }
}

function passed(deadline: Deadline): boolean {
  return deadline.signal.aborted || Date.now() >= deadline.at;
}

/**
 * SDK middleware (initialize step, high priority: outside the retry loop). Fails a call started after
 * the deadline at once and rejects a call still running at the deadline, whatever the retries are doing.
 */
export function deadlineMiddleware<Args, Result>(next: (args: Args) => Promise<Result>): (args: Args) => Promise<Result> {
  return async (args) => {
    const deadline = scope.getStore();
    if (!deadline) return next(args);
    if (passed(deadline)) throw new DatabaseDeadlineExceeded();
    const { signal } = deadline;
    let onAbort = () => {};
    const expired = new Promise<never>((_, reject) => {
      onAbort = () => reject(new DatabaseDeadlineExceeded());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([next(args), expired]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
}

type HandleOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;

/** The SDK's Node.js HTTP handler, with each attempt aborted at the deadline in scope. */
export class DeadlineHttpHandler extends NodeHttpHandler {
  override async handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HandleOptions = {}) {
    const deadline = scope.getStore();
    if (!deadline) return super.handle(request, options);
    if (passed(deadline)) throw new DatabaseDeadlineExceeded();
    // A caller's own signal (none in this service today) still works; a legacy non-AbortSignal one is
    // kept as is, and the middleware above still ends the call at the deadline.
    const callerSignal = options.abortSignal;
    let abortSignal: HandleOptions['abortSignal'] = deadline.signal;
    if (callerSignal instanceof AbortSignal) abortSignal = AbortSignal.any([callerSignal, deadline.signal]);
    else if (callerSignal) abortSignal = callerSignal;
    try {
      return await super.handle(request, { ...options, abortSignal });
    } catch (error) {
      // The handler turns the abort into a generic AbortError; give it the name the error handler knows.
      // Not retryable for the SDK: a retry would start after the deadline and fail at once anyway.
      if (deadline.signal.aborted) throw new DatabaseDeadlineExceeded();
      throw error;
    }
  }
}
