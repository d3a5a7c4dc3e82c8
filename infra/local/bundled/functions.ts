/**
 * Bundle mode's functions: one pool per function of the template, the gateway's routes bound to the
 * pools (from the template's routes), and invokers for the cleanup's event source mapping and schedule.
 */
import type { LambdaHandler, RouteBinding } from '../gateway.ts';
import { instanceEnvironment, type LocalOverrides } from './environment.ts';
import { FunctionPool } from './pool.ts';
import type { CloudAssembly } from './template.ts';

export interface BundledFunctions {
  pools: Map<string, FunctionPool>;
  routes: RouteBinding[];
  /** An invoker of one function, for an event source (the cleanup's stream mapping and schedule). */
  invoker<Event, Result>(name: string): (event: Event) => Promise<Result>;
  stop(): Promise<void>;
}

export function startBundledFunctions(
  assembly: Pick<CloudAssembly, 'functions' | 'routes'>,
  local: LocalOverrides,
  options: { maxInstances?: number; writeLine?: (line: string) => void } = {},
): BundledFunctions {
  const pools = new Map(
    assembly.functions.map((fn) => [
      fn.name,
      new FunctionPool({ fn, env: instanceEnvironment(fn, local), maxInstances: options.maxInstances, writeLine: options.writeLine }),
    ]),
  );
  const poolOf = (name: string) => {
    const pool = pools.get(name);
    if (!pool) throw new Error(`bundle mode: the template has no function ${name}`);
    return pool;
  };
  const routes = assembly.routes.map((route): RouteBinding => {
    const pool = poolOf(route.function);
    // Each invocation gets its own Lambda request id, distinct from API Gateway's (as on AWS); the pool
    // enforces the timeout itself, so the gateway's context is not passed on.
    const handler: LambdaHandler = async (event) => (await pool.invoke(event)) as never;
    const fn = assembly.functions.find((f) => f.name === route.function);
    return { route, handler, ...(fn ? { timeoutMs: fn.timeoutSeconds * 1000 } : {}) };
  });
  return {
    pools,
    routes,
    invoker: <Event, Result>(name: string) => {
      const pool = poolOf(name);
      return async (event: Event) => (await pool.invoke(event)) as Result;
    },
    stop: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.stop()));
    },
  };
}
