/**
 * The one route table. The CDK stack creates its HTTP API routes from it and the local gateway serves
 * it, so what runs on a laptop cannot drift from what is deployed.
 */
import type { Permission } from './auth/permissions.ts';

export interface Route {
  /** Also the Lambda's logical name. */
  name: 'createApp' | 'listApps' | 'updateApp' | 'deleteApp';
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path syntax: `{param}`. */
  path: string;
  /** The handler module under functions/ (exports `handler`). */
  entry: string;
  permission: Permission;
}

const COLLECTION = '/v1/management/applications';
const ITEM = `${COLLECTION}/{app_id}`;

export const ROUTES = [
  { name: 'createApp', method: 'POST', path: COLLECTION, entry: 'functions/create-app.ts', permission: 'apps:create' },
  { name: 'listApps', method: 'GET', path: COLLECTION, entry: 'functions/list-apps.ts', permission: 'apps:read' },
  { name: 'updateApp', method: 'PUT', path: ITEM, entry: 'functions/update-app.ts', permission: 'apps:edit' },
  { name: 'deleteApp', method: 'DELETE', path: ITEM, entry: 'functions/delete-app.ts', permission: 'apps:delete' },
] as const satisfies readonly Route[];

export type RouteName = Route['name'];

export function routeNamed(name: RouteName): Route {
  const route = ROUTES.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`No route named ${name}`);
  return route;
}

export const routeKey = (route: Route): string => `${route.method} ${route.path}`;
