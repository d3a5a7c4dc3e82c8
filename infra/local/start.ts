/** `npm start`: the service on this machine, no AWS account and no Docker needed. */
import { PortInUseError } from './listen.ts';
import { localConfigFromEnv, startLocalRuntime } from './runtime.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

try {
  const runtime = await startLocalRuntime(localConfigFromEnv());
  const { config, baseUrl, dynamo, devIssuer } = runtime;
  const issuer = config.jwtIssuer ?? devIssuer.issuer;
  console.log(
    [
      '',
      'Management Apps API is running locally',
      `  API          ${baseUrl}/v1/management/applications`,
      `  DynamoDB     ${dynamo.endpoint}  table "${config.tableName}"`,
      `  Data         ${config.dataDir}`,
      `  JWT issuer   ${issuer}  audience "${config.jwtAudience}"`,
      `  Token        npm run token -- --tenant acme --admin`,
      '',
      'Press Ctrl+C to stop (data is kept).',
      '',
    ].join('\n'),
  );

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
} catch (error) {
  if (error instanceof PortInUseError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
