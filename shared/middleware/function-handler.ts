/**
 * One Lambda function, several routes: the function's `handler` sends each event to its route's Middy
 * chain (`apiHandler`), found by `event.routeKey`, which API Gateway sets to the route that matched.
 * The chains must be exactly the routes the table gives the function, checked at cold start, so a route
 * added to the table without its handler (or the reverse) fails loudly instead of answering 500s.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type FunctionName, type RouteNameOf, routeKey, routeNamed, routesOf } from '../routes.ts';
import type { ApiResult } from './types.ts';

type RouteHandler = (event: never, context: Context) => Promise<ApiResult>;

export function functionHandler<F extends FunctionName>(fn: F, chains: Record<RouteNameOf<F>, RouteHandler>) {
  const byRouteKey = new Map<string, RouteHandler>(
    Object.entries<RouteHandler>(chains).map(([name, chain]) => [routeKey(routeNamed(name as RouteNameOf<F>)), chain]),
  );
  const expected = routesOf(fn).map(routeKey).sort();
  if (expected.join() !== [...byRouteKey.keys()].sort().join()) {
    throw new Error(`${fn} must handle exactly ${expected.join(', ')}`);
  }
  return async function routeToChain(event: APIGatewayProxyEventV2, context: Context): Promise<ApiResult> {
    const chain = byRouteKey.get(event.routeKey);
    // API Gateway only sends this function the routes integrated with it: anything else is a deployment bug.
    if (!chain) throw new Error(`${fn} does not serve route ${event.routeKey}`);
    return chain(event as never, context);
  };
}
