/**
 * The environment of a function's instances: the template's variables, local values only for what points
 * at AWS or at the token issuer, Lambda's reserved variables, and the function's own credentials.
 * Nothing else of the runtime's environment leaks in (a deployed function sees none of the laptop's), so
 * a variable the code reads but the stack does not set fails here as it would on AWS.
 */
import type { BundledFunction } from './template.ts';

export interface LocalOverrides {
  tableName: string;
  dynamodbEndpoint: string;
  region: string;
  jwtIssuer: string;
  jwtJwksFile?: string;
  jwtJwksUri?: string;
}

/** What a person's environment may pass through: the PATH and what makes local TLS or Node 20 work. */
const PASSED_THROUGH = ['PATH', 'NODE_EXTRA_CA_CERTS', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];

export function instanceEnvironment(
  fn: BundledFunction,
  local: LocalOverrides,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const passed = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (parent[name] ? [[name, parent[name] as string]] : [])));
  const env: Record<string, string> = {
    ...passed,
    ...fn.environment,
    // Overrides: the table and the issuer are local ones.
    ...(fn.environment.TABLE_NAME !== undefined ? { TABLE_NAME: local.tableName } : {}),
    ...('JWT_ISSUER' in fn.environment ? { JWT_ISSUER: local.jwtIssuer } : {}),
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamodbEndpoint,
    AWS_REGION: local.region,
    AWS_DEFAULT_REGION: local.region,
    // Lambda's reserved variables (those a handler or library may read).
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.assetDir,
    LAMBDA_RUNTIME_DIR: fn.assetDir,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    // The function's own credentials: the access key id names the function, so the local DynamoDB
    // endpoint can apply that function's IAM policy. No session token, as with static keys.
    AWS_ACCESS_KEY_ID: fn.name,
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // The JWKS: the same rule as source mode (runtime.ts): a file when given, a URL when given, else none.
  delete env.JWT_JWKS_FILE;
  delete env.JWT_JWKS_URI;
  if ('JWT_ISSUER' in fn.environment) {
    if (local.jwtJwksFile) env.JWT_JWKS_FILE = local.jwtJwksFile;
    if (local.jwtJwksUri) env.JWT_JWKS_URI = local.jwtJwksUri;
  }
  return env;
}
