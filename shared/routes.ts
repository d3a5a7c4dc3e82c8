/**
 * The one route table. The CDK stack creates one Lambda function per entry of FUNCTIONS and one HTTP API
 * route per route, and the local runtime serves the same table, so what runs on a laptop cannot drift
 * from what is deployed. Several routes may share a function: its module exports one `handler` that
 * picks the route's Middy chain by `event.routeKey` (middleware/function-handler.ts).
 */
import type { Permission } from './auth/permissions.ts';

/** The API's Lambda functions (logical names) and their modules under functions/ (each exports `handler`). */
export const FUNCTIONS = {
  createApp: 'functions/create-app.ts',
  readApps: 'functions/read-apps.ts',
  updateApp: 'functions/update-app.ts',
  deleteApp: 'functions/delete-app.ts',
} as const;

export type FunctionName = keyof typeof FUNCTIONS;

export interface Route {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path syntax: `{param}`. */
  path: string;
  permission: Permission;
  /** What the route does, in a few words (the function's description is made of its routes'). */
  description: string;
  /** The Lambda function that serves it. */
  function: FunctionName;
}

const COLLECTION = '/v1/management/applications';
const ITEM = `${COLLECTION}/{app_id}`;
const SECRETS = `${ITEM}/secrets`;

export const ROUTES = [
  { name: 'createApp', method: 'POST', path: COLLECTION, permission: 'apps:create', description: 'Creates an app', function: 'createApp' },
  { name: 'listApps', method: 'GET', path: COLLECTION, permission: 'apps:read', description: 'Lists apps', function: 'readApps' },
  { name: 'getApp', method: 'GET', path: ITEM, permission: 'apps:read', description: 'Reads one app', function: 'readApps' },
  { name: 'updateApp', method: 'PUT', path: ITEM, permission: 'apps:edit', description: 'Updates an app', function: 'updateApp' },
  {
    name: 'addClientSecret',
    method: 'POST',
    path: SECRETS,
    permission: 'apps:edit',
    description: 'Adds a client secret',
    function: 'updateApp',
  },
  {
    name: 'deleteClientSecret',
    method: 'DELETE',
    path: `${SECRETS}/{secret_id}`,
    permission: 'apps:edit',
    description: 'Deletes a client secret',
    function: 'updateApp',
  },
  { name: 'deleteApp', method: 'DELETE', path: ITEM, permission: 'apps:delete', description: 'Deletes an app', function: 'deleteApp' },
] as const satisfies readonly Route[];

type KnownRoute = (typeof ROUTES)[number];
export type RouteName = KnownRoute['name'];
/** The names of the routes one function serves. */
export type RouteNameOf<F extends FunctionName> = Extract<KnownRoute, { function: F }>['name'];

export function routeNamed(name: RouteName): Route {
  const route = ROUTES.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`No route named ${name}`);
  return route;
}

export const routesOf = (fn: FunctionName): Route[] => ROUTES.filter((route) => route.function === fn);

/** API Gateway's `routeKey` of the route, which it also sends in each event. */
export const routeKey = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;

/** The function's description in Lambda: what its routes do, e.g. "Lists apps; Reads one app". */
export const functionDescription = (fn: FunctionName): string =>
  routesOf(fn)
    .map((route) => route.description)
    .join('; ');
