/**
 * `npm start`: the service on this machine, no AWS account and no Docker needed. `npm start -- --bundled`
 * runs the synthesized bundles with Lambda's execution model instead of the sources (runtime.ts);
 * `--assembly <dir>` with it runs that cloud assembly as it is, as `cdk deploy --app <dir>` deploys one.
 * Other arguments are refused, so a misspelt flag never silently starts source mode. A mistake a person can
 * fix (a bad variable, a busy port, an unusable or shared DATA_DIR, a broken JWKS file) ends the start
 * with one line on stderr and exit 1; anything else is a bug and keeps its stack trace.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJwtConfig } from '../../shared/config.ts';
import { devTokenHint } from './dev-issuer.ts';
import { checkJwksFile, lockDataDir, StartupError } from './preflight.ts';
import { type LocalConfig, localConfigFromEnv, startLocalRuntime } from './runtime.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** `--assembly <dir>` or `--assembly=<dir>`: a cloud assembly (a `cdk.out`) to run as it is. */
function readAssemblyArg(args: string[]): { assemblyDir?: string; rest: string[] } {
  const rest: string[] = [];
  let assemblyDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg !== '--assembly' && !arg.startsWith('--assembly=')) {
      rest.push(arg);
      continue;
    }
    const value = arg === '--assembly' ? args[++i] : arg.slice('--assembly='.length);
    if (!value || value.startsWith('--')) throw new StartupError('--assembly needs a directory: --assembly <cdk.out>');
    assemblyDir = resolve(value);
  }
  return { assemblyDir, rest };
}

/** The environment and arguments read into a config; what it refuses (`PORT must be a port number`, …) is the whole message. */
function readConfig(args: string[]): LocalConfig {
  const { assemblyDir, rest } = readAssemblyArg(args);
  const unknown = rest.filter((arg) => arg !== '--bundled');
  if (unknown.length) throw new StartupError(`unknown argument ${unknown.join(' ')} (the arguments are --bundled and --assembly <dir>)`);
  const bundled = rest.includes('--bundled');
  if (assemblyDir !== undefined) {
    // Source mode runs no bundles: an assembly without --bundled is a mistake, not a mode.
    if (!bundled) throw new StartupError('--assembly runs a cloud assembly in bundle mode: add --bundled');
    if (!existsSync(join(assemblyDir, 'manifest.json')))
      throw new StartupError(`--assembly ${assemblyDir}: not a cloud assembly (no manifest.json; npx cdk synth -o <dir> makes one)`);
  }
  try {
    return { ...localConfigFromEnv(), bundled, ...(assemblyDir === undefined ? {} : { assemblyDir }) };
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
}

try {
  const localConfig = readConfig(process.argv.slice(2));
  if (localConfig.jwtJwksFile) checkJwksFile(localConfig.jwtJwksFile);
  lockDataDir(localConfig.dataDir);
  const runtime = await startLocalRuntime(localConfig);
  const { config, baseUrl, dynamo, devIssuer, bundled } = runtime;
  // Before the banner: whoever takes it as "ready" (a person, a test) may stop the runtime right away.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping; data kept in ${config.dataDir}`);
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // What the handlers were configured with (the runtime put it in process.env), not a second guess at it.
  const jwt = readJwtConfig();
  console.log(
    [
      '',
      'Management Apps API is running locally',
      bundled
        ? `  Mode         bundled: ${bundled.functions.map((fn) => fn.name).join(', ')} from their synthesized bundles, Lambda's execution model`
        : '  Mode         source: the TypeScript handlers in this process (npm start -- --bundled runs the bundles)',
      `  API          ${baseUrl}/v1/management/applications`,
      `  DynamoDB     ${dynamo.endpoint}  table "${config.tableName}"`,
      `  Data         ${config.dataDir}`,
      `  JWT issuer   ${jwt.issuers.join(', ')}  audience "${jwt.audience}"`,
      `  Token        ${devTokenHint(devIssuer, jwt, config.dataDir)}`,
      '',
      'Press Ctrl+C to stop (data is kept).',
      '',
    ].join('\n'),
  );
} catch (error) {
  if (error instanceof StartupError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
