/**
 * The local stand-in for AWS: DynamoDB (dynalite), the dev token issuer and the API gateway, wired to
 * the real handler modules through the real environment variables. `npm start` and the e2e tests
 * both run it.
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
import { type DevIssuer, ensureDevIssuer } from './dev-issuer.ts';
import { withLocalDocs } from './docs.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from './dynamodb.ts';
import { createGateway, type LambdaHandler } from './gateway.ts';
import { closeServer, listenOn } from './listen.ts';
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
  };
}

/** The `handler` export of a function module (an entry of the route table's FUNCTIONS, or the cleanup). */
async function importHandler<Handler>(entry: string): Promise<Handler> {
  const module = (await import(pathToFileURL(join(PROJECT_ROOT, entry)).href)) as { handler: Handler };
  return module.handler;
}

/** The cleanup function on the table's local stream, with the same mapping settings as the CDK stack. */
async function startCleanupMapping(dynamo: LocalDynamo, config: LocalConfig): Promise<LocalEventSourceMapping> {
  return new LocalEventSourceMapping({
    stream: dynamo.capture.streamOf(config.tableName),
    handler: await importHandler<StreamHandler>(CLEANUP_FUNCTION.entry),
    functionName: CLEANUP_FUNCTION.name,
    settings: CLEANUP_EVENT_SOURCE,
    deadLetterFile: join(config.dataDir, 'dead-letter', `${CLEANUP_FUNCTION.name}.jsonl`),
  }).start();
}

/** The cleanup's redrive schedule, at the same rate as the CDK stack's rule. */
async function startRedriveSchedule(): Promise<LocalSchedule> {
  return new LocalSchedule({
    name: CLEANUP_REDRIVE.name,
    functionName: CLEANUP_FUNCTION.name,
    handler: await importHandler<ScheduledHandler>(CLEANUP_FUNCTION.entry),
    rateMs: CLEANUP_REDRIVE.rateMinutes * 60_000,
  }).start();
}

export interface LocalRuntime {
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
  const dynamo = await startLocalDynamo({
    port: config.dynamodbPort,
    path: join(config.dataDir, 'dynamodb'),
    streamFolder: join(config.dataDir, 'stream'),
    transactionFolder: join(config.dataDir, 'transactions'),
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

    // Each function's module once, as Lambda loads it once per function; its routes share its handler.
    const handlers = Object.fromEntries(
      await Promise.all(Object.entries(FUNCTIONS).map(async ([name, entry]) => [name, await importHandler<LambdaHandler>(entry)])),
    ) as Record<FunctionName, LambdaHandler>;
    const routes = ROUTES.map((route) => ({ route, handler: handlers[route.function] }));
    const cleanup = await startCleanupMapping(dynamo, config);
    const redrive = await startRedriveSchedule();
    // GET /openapi.json and /docs: local conveniences, not API routes (docs.ts).
    const gateway: Server = withLocalDocs(createGateway(routes, config.throttling));
    const port = await listenOn(gateway, config.port, 'PORT').catch(async (error) => {
      await redrive.stop();
      await cleanup.stop();
      throw error;
    });
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      dynamo,
      devIssuer,
      config,
      cleanup,
      redrive,
      stop: async () => {
        await closeServer(gateway);
        await redrive.stop();
        await cleanup.stop();
        await dynamo.close();
      },
    };
  } catch (error) {
    await dynamo.close();
    throw error;
  }
}
