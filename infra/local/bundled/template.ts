/**
 * What bundle mode reads from a cloud assembly (a `cdk.out`): the stack's template, each Lambda function
 * with its bundled asset and settings, and the HTTP API's routes. Values are the template's own,
 * intrinsics resolved with local names (intrinsics.ts); only the caller's overrides (environment.ts)
 * replace what points at AWS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLEANUP_FUNCTION } from '../../../shared/cleanup/event-source.ts';
import { FUNCTIONS, ROUTES } from '../../../shared/routes.ts';
import type { GatewayRoute } from '../gateway.ts';
import { type CloudFormationTemplate, createResolver, type LocalNames, type Resolve } from './intrinsics.ts';

export interface BundledFunction {
  /** The local name: createApp, readApps, updateApp, deleteApp, cleanupApp (the IAM access key id too). */
  name: string;
  logicalId: string;
  roleLogicalId: string;
  /** The unzipped asset: the bundle's directory (LAMBDA_TASK_ROOT). */
  assetDir: string;
  /** `index.handler`: module `index` (.mjs/.js/.cjs) under the asset dir, export `handler`. */
  handler: string;
  /** The template's Environment.Variables, intrinsics resolved with local names. */
  environment: Record<string, string>;
  memorySizeMb: number;
  timeoutSeconds: number;
  /** ReservedConcurrentExecutions when set: the most instances Lambda would run at once. */
  reservedConcurrency?: number;
}

export interface CloudAssembly {
  /** The cdk.out directory. */
  dir: string;
  templateFile: string;
  /** The raw template, as synthesized. */
  template: CloudFormationTemplate;
  /** Resolves intrinsics of this template with the same local names the functions got. */
  resolve: Resolve;
  functions: BundledFunction[];
  /** The HTTP API's routes, each with its function's local name. */
  routes: GatewayRoute[];
}

/** Lambda's defaults when the template leaves them out. */
const DEFAULT_MEMORY_MB = 128;
const DEFAULT_TIMEOUT_SECONDS = 3;

/** The stack's template file, from the assembly's manifest (the one stack of this app). */
export function templateFileOf(dir: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stacks = Object.values(manifest.artifacts ?? {}).filter((a) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile);
  if (stacks.length !== 1) throw new Error(`${dir}: expected one stack in manifest.json, found ${stacks.length}`);
  return join(dir, stacks[0]?.properties?.templateFile as string);
}

/**
 * A function's local name from its construct path: `<Stack>/<name>/Function/Resource` for a function of
 * the route table, the cleanup's `<Stack>/Cleanup/...`; else the name the route table gives the
 * function its routes reach; else the logical id.
 */
function localName(logicalId: string, cdkPath: string, routeFunctions: Map<string, string>, streamConsumers: Set<string>): string {
  const segments = cdkPath.split('/');
  const named = segments.find((segment) => segment in FUNCTIONS);
  if (named) return named;
  if (segments[1] === 'Cleanup') return CLEANUP_FUNCTION.name;
  // Without construct paths (an App synthesized without path metadata): the routes, the stream.
  return routeFunctions.get(logicalId) ?? (streamConsumers.has(logicalId) ? CLEANUP_FUNCTION.name : logicalId);
}

/** Functions an event source mapping invokes (the table stream's consumer is the cleanup). */
function streamConsumers(template: CloudFormationTemplate): Set<string> {
  const ids = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    const target = resource.Properties?.FunctionName as { Ref?: string } | undefined;
    if (resource.Type === 'AWS::Lambda::EventSourceMapping' && target?.Ref) ids.add(target.Ref);
  }
  return ids;
}

/** Route key → function logical id, through the route's integration. */
function routeTargets(template: CloudFormationTemplate): { routeKey: string; functionLogicalId: string }[] {
  const targets: { routeKey: string; functionLogicalId: string }[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::ApiGatewayV2::Route') continue;
    const { RouteKey, Target } = resource.Properties as { RouteKey: string; Target?: unknown };
    // Only the target's integration id is needed: resolve with Ref → logical id (no function names yet).
    const target = String(createResolver(template)(Target ?? ''));
    const integrationId = /^integrations\/(.+)$/.exec(target)?.[1];
    const integration = integrationId ? template.Resources[integrationId] : undefined;
    const uri = integration?.Properties?.IntegrationUri as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const functionLogicalId = uri?.['Fn::GetAtt']?.[0];
    if (!functionLogicalId) throw new Error(`template: route ${RouteKey} has no Lambda integration this runtime can follow`);
    targets.push({ routeKey: RouteKey, functionLogicalId });
  }
  return targets;
}

export function readTemplate(dir: string, names: Omit<LocalNames, 'functions'> & { tableName?: string } = {}): CloudAssembly {
  const templateFile = templateFileOf(dir);
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as CloudFormationTemplate;
  const targets = routeTargets(template);

  // The route table names the function of each route key: a fallback for a construct path it cannot read.
  const routeFunctions = new Map<string, string>();
  for (const { routeKey, functionLogicalId } of targets) {
    const route = ROUTES.find((r) => `${r.method} ${r.path}` === routeKey);
    if (route) routeFunctions.set(functionLogicalId, route.function);
  }

  const consumers = streamConsumers(template);
  const lambdas = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  const functionNames = Object.fromEntries(
    lambdas.map(([id, r]) => [id, localName(id, String(r.Metadata?.['aws:cdk:path'] ?? ''), routeFunctions, consumers)]),
  );
  const tables = names.tableName
    ? Object.fromEntries(
        Object.entries(template.Resources)
          .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
          .map(([id]) => [id, names.tableName as string]),
      )
    : names.tables;
  const resolve = createResolver(template, { ...names, tables, functions: functionNames });

  const functions = lambdas.map(([logicalId, resource]): BundledFunction => {
    const p = resource.Properties ?? {};
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') {
      throw new Error(`${logicalId}: no aws:asset:path metadata (synthesize with 'aws:cdk:enable-asset-metadata': true)`);
    }
    const assetDir = join(dir, assetPath);
    if (!existsSync(assetDir)) throw new Error(`${logicalId}: asset directory ${assetDir} is missing`);
    const role = p.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const variables = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    return {
      name: functionNames[logicalId] as string,
      logicalId,
      roleLogicalId: role?.['Fn::GetAtt']?.[0] ?? '',
      assetDir,
      handler: String(p.Handler ?? 'index.handler'),
      environment: Object.fromEntries(Object.entries(resolve(variables) as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
      memorySizeMb: Number(p.MemorySize ?? DEFAULT_MEMORY_MB),
      timeoutSeconds: Number(p.Timeout ?? DEFAULT_TIMEOUT_SECONDS),
      ...(p.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: Number(p.ReservedConcurrentExecutions) } : {}),
    };
  });

  const routes = targets.map(({ routeKey, functionLogicalId }): GatewayRoute => {
    const [method, path] = routeKey.split(' ') as [string, string];
    const fn = functionNames[functionLogicalId];
    if (!fn) throw new Error(`template: route ${routeKey} targets ${functionLogicalId}, which is not a function`);
    return { method, path, function: fn };
  });

  return { dir, templateFile, template, resolve, functions, routes };
}
