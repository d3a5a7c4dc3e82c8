/**
 * The local stand-in for AWS: DynamoDB (dynalite), the dev token issuer and the API gateway, wired to
 * the real handler modules through the real environment variables. `npm start` and the e2e tests
 * both run it.
 *
 * Two modes. Source mode (the default, for speed): the TypeScript handler modules in this process, one
 * module per function, the route table's routes. Bundle mode (`npm start -- --bundled`): the synthesized
 * template's functions, each from its esbuild bundle in instances of its own (bundled/), with the
 * template's environment, memory, timeout and reserved concurrency, and the template's routes.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_THROTTLING, type Throttling } from '../../shared/api-limits.ts';
import { CLEANUP_EVENT_SOURCE, CLEANUP_FUNCTION, CLEANUP_REDRIVE } from '../../shared/cleanup/event-source.ts';
import { DEFAULT_AUDIENCE } from '../../shared/config.ts';
import { DEFAULT_TABLE_NAME } from '../../shared/db/table.ts';
import { FUNCTIONS, type FunctionName, ROUTES } from '../../shared/routes.ts';
import type { BundledFunctions } from './bundled/functions.ts';
import type { BundledFunction, CloudAssembly } from './bundled/template.ts';
import { type DevIssuer, ensureDevIssuer } from './dev-issuer.ts';
import { withLocalDocs } from './docs.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from './dynamodb.ts';
import { createGateway, type LambdaHandler, type RouteBinding } from './gateway.ts';
import { IamEnforcer } from './iam/enforcer.ts';
import { missingStreamPermissions, policiesFromTemplate } from './iam/template-policies.ts';
import { closeServer, listenOn } from './listen.ts';
import { StartupError } from './preflight.ts';
import { LocalSchedule, type ScheduledHandler } from './schedule.ts';
import { LocalEventSourceMapping, type StreamHandler } from './stream/event-source-mapping.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

export interface LocalConfig {
  port: number;
  dynamodbPort: number;
  dataDir: string;
  tableName: string;
  jwtIssuer?: string;
  jwtAudience: string;
  jwtJwksFile?: string;
  jwtJwksUri?: string;
  throttling: Throttling;
  /** Bundle mode (`--bundled`): the synthesized bundles with Lambda's execution model. */
  bundled: boolean;
  /** Bundle mode (`--assembly <dir>`): run this cloud assembly as it is, with no freshness check and no synth. */
  assemblyDir?: string;
  /** Bundle mode: most instances of a function without reserved concurrency (LAMBDA_MAX_INSTANCES). */
  maxInstances: number;
}

export function localConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const port = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
    return value;
  };
  const positive = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!(value > 0)) throw new Error(`${name} must be a positive number`);
    return value;
  };
  return {
    port: port('PORT', 3000),
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    dataDir: resolve(env.DATA_DIR || '.data'),
    tableName: env.TABLE_NAME || DEFAULT_TABLE_NAME,
    jwtIssuer: env.JWT_ISSUER || undefined,
    jwtAudience: env.JWT_AUDIENCE || DEFAULT_AUDIENCE,
    jwtJwksFile: env.JWT_JWKS_FILE ? resolve(env.JWT_JWKS_FILE) : undefined,
    jwtJwksUri: env.JWT_JWKS_URI || undefined,
    throttling: {
      rateLimit: positive('THROTTLE_RATE', DEFAULT_THROTTLING.rateLimit),
      burstLimit: positive('THROTTLE_BURST', DEFAULT_THROTTLING.burstLimit),
    },
    bundled: false,
    maxInstances: Math.floor(positive('LAMBDA_MAX_INSTANCES', 10)),
  };
}

/** The `handler` export of a function module (an entry of the route table's FUNCTIONS, or the cleanup). */
async function importHandler<Handler>(entry: string): Promise<Handler> {
  const module = (await import(pathToFileURL(join(PROJECT_ROOT, entry)).href)) as { handler: Handler };
  return module.handler;
}

/** The cleanup function on the table's local stream, with the same mapping settings as the CDK stack. */
function startCleanupMapping(dynamo: LocalDynamo, config: LocalConfig, handler: StreamHandler): LocalEventSourceMapping {
  return new LocalEventSourceMapping({
    stream: dynamo.capture.streamOf(config.tableName),
    handler,
    functionName: CLEANUP_FUNCTION.name,
    settings: CLEANUP_EVENT_SOURCE,
    deadLetterFile: join(config.dataDir, 'dead-letter', `${CLEANUP_FUNCTION.name}.jsonl`),
  }).start();
}

/** The cleanup's redrive schedule, at the same rate as the CDK stack's rule. */
function startRedriveSchedule(handler: ScheduledHandler): LocalSchedule {
  return new LocalSchedule({
    name: CLEANUP_REDRIVE.name,
    functionName: CLEANUP_FUNCTION.name,
    handler,
    rateMs: CLEANUP_REDRIVE.rateMinutes * 60_000,
  }).start();
}

interface Served {
  routes: RouteBinding[];
  cleanup: StreamHandler;
  redrive: ScheduledHandler;
  bundled?: BundleMode;
}

/** Bundle mode's parts: the template read (functions with their role logical ids, intrinsic resolver), the pools. */
export interface BundleMode {
  assembly: CloudAssembly;
  functions: BundledFunction[];
  pools: BundledFunctions;
}

/** Source mode: each function's module once in this process, as Lambda loads it once per function. */
async function sourceFunctions(): Promise<Served> {
  const handlers = Object.fromEntries(
    await Promise.all(Object.entries(FUNCTIONS).map(async ([name, entry]) => [name, await importHandler<LambdaHandler>(entry)])),
  ) as Record<FunctionName, LambdaHandler>;
  const cleanup = await importHandler<StreamHandler & ScheduledHandler>(CLEANUP_FUNCTION.entry);
  return {
    // Its routes share the function's handler.
    routes: ROUTES.map((route) => ({ route, handler: handlers[route.function] })),
    cleanup,
    redrive: cleanup,
  };
}

/** Bundle mode: the template's functions from their bundles, in instances (bundled/). */
async function bundledFunctions(
  config: LocalConfig,
  dynamo: LocalDynamo,
  jwt: { issuer: string; jwksFile?: string },
  iam: IamEnforcer,
): Promise<Served> {
  // Loaded only in bundle mode: source mode never pays for the CDK app.
  const { loadCloudAssembly } = await import('./bundled/cloud-assembly.ts');
  const { startBundledFunctions } = await import('./bundled/functions.ts');
  const assembly = await loadCloudAssembly({
    projectRoot: PROJECT_ROOT,
    dataDir: config.dataDir,
    tableName: config.tableName,
    assemblyDir: config.assemblyDir,
  });
  // Each function's DynamoDB calls carry its name as access key id (bundled/environment.ts): the endpoint
  // holds them to the statements of the function's role in this template, resolved with the same names.
  const policies = policiesFromTemplate(assembly.template, assembly.functions, assembly.resolve);
  iam.setPolicies(policies);
  const stream = dynamo.capture.streamOf(config.tableName).arn;
  const missing = missingStreamPermissions(policies, CLEANUP_FUNCTION.name, stream);
  if (missing.length) {
    // On AWS CreateEventSourceMapping fails on such a role and the deployment rolls back: no start here either.
    throw new StartupError(
      `bundle mode: the ${CLEANUP_FUNCTION.name} role cannot read the table stream (missing ${missing.map((p) => p.action).join(', ')}), so its event source mapping could not be created`,
    );
  }
  const pools = startBundledFunctions(
    assembly,
    {
      tableName: config.tableName,
      dynamodbEndpoint: dynamo.endpoint,
      region: 'local',
      jwtIssuer: jwt.issuer,
      jwtJwksFile: jwt.jwksFile,
      jwtJwksUri: config.jwtJwksUri,
    },
    { maxInstances: config.maxInstances },
  );
  for (const fn of assembly.functions) {
    const audience = fn.environment.JWT_AUDIENCE;
    if (audience !== undefined && audience !== config.jwtAudience) {
      console.log(`bundle mode: ${fn.name} verifies audience "${audience}" (the template's), not JWT_AUDIENCE "${config.jwtAudience}"`);
    }
  }
  return {
    routes: pools.routes,
    cleanup: pools.invoker(CLEANUP_FUNCTION.name),
    redrive: pools.invoker(CLEANUP_FUNCTION.name),
    bundled: { assembly, functions: assembly.functions, pools },
  };
}

export interface LocalRuntime {
  /** Bundle mode: the template's functions (names, roles, settings) and their instance pools. */
  bundled?: BundleMode;
  cleanup: LocalEventSourceMapping;
  redrive: LocalSchedule;
  baseUrl: string;
  dynamo: LocalDynamo;
  devIssuer: DevIssuer;
  config: LocalConfig;
  stop(): Promise<void>;
}

export async function startLocalRuntime(config: LocalConfig): Promise<LocalRuntime> {
  mkdirSync(config.dataDir, { recursive: true });
  const devIssuer = ensureDevIssuer(config.dataDir);
  // Bundle mode: the endpoint holds each function's access key to its role's policy (set once the
  // template is read); source mode's single `local` key is unrestricted.
  const iam = config.bundled ? new IamEnforcer() : undefined;
  const dynamo = await startLocalDynamo({
    port: config.dynamodbPort,
    path: join(config.dataDir, 'dynamodb'),
    streamFolder: join(config.dataDir, 'stream'),
    transactionFolder: join(config.dataDir, 'transactions'),
    iam,
  });
  try {
    await ensureTable(dynamo.endpoint, config.tableName);

    // The handlers read exactly what they read in Lambda; only the values are local.
    Object.assign(process.env, {
      TABLE_NAME: config.tableName,
      JWT_ISSUER: config.jwtIssuer ?? devIssuer.issuer,
      JWT_AUDIENCE: config.jwtAudience,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const jwksFile = config.jwtJwksFile ?? (config.jwtIssuer ? undefined : devIssuer.jwksFile);
    if (jwksFile) process.env.JWT_JWKS_FILE = jwksFile;
    else delete process.env.JWT_JWKS_FILE;
    if (config.jwtJwksUri) process.env.JWT_JWKS_URI = config.jwtJwksUri;
    else delete process.env.JWT_JWKS_URI;

    const served = config.bundled
      ? await bundledFunctions(config, dynamo, { issuer: process.env.JWT_ISSUER as string, jwksFile }, iam as IamEnforcer)
      : await sourceFunctions();
    const stopFunctions = async () => served.bundled?.pools.stop();
    const cleanup = startCleanupMapping(dynamo, config, served.cleanup);
    const redrive = startRedriveSchedule(served.redrive);
    // GET /openapi.json and /docs: local conveniences, not API routes (docs.ts).
    const gateway: Server = withLocalDocs(createGateway(served.routes, config.throttling));
    const port = await listenOn(gateway, config.port, 'PORT').catch(async (error) => {
      await redrive.stop();
      await cleanup.stop();
      await stopFunctions();
      throw error;
    });
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      dynamo,
      devIssuer,
      config,
      cleanup,
      redrive,
      ...(served.bundled ? { bundled: served.bundled } : {}),
      stop: async () => {
        await closeServer(gateway);
        await redrive.stop();
        await cleanup.stop();
        await stopFunctions();
        await dynamo.close();
      },
    };
  } catch (error) {
    await dynamo.close();
    throw error;
  }
}
