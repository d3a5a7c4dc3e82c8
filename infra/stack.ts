/**
 * The whole service, as a list of decisions: the table, one function per entry of the route table's
 * FUNCTIONS with exactly the table actions it uses, the HTTP API from its routes, the stream cleanup,
 * the alarms and the dashboard, the outputs.
 * Environment-agnostic: no lookups, so `cdk synth` needs no account.
 */
import { Annotations, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { API_FUNCTION_SETTINGS } from '../shared/function-settings.ts';
import { FUNCTIONS, type FunctionName, functionDescription, ROUTES } from '../shared/routes.ts';
import type { DeploymentConfig } from './config.ts';
import { Alarms } from './constructs/alarms.ts';
import { AppFunction, type DynamoAction } from './constructs/app-function.ts';
import { Cleanup } from './constructs/cleanup.ts';
import { Dashboard } from './constructs/dashboard.ts';
import { DataTable } from './constructs/data-table.ts';
import { ManagementHttpApi } from './constructs/http-api.ts';

/** The issuer in cdk.json: fine for `cdk synth`, useless in a deployment. */
export const PLACEHOLDER_ISSUER = 'https://auth.example.com';

/**
 * Exactly what each function's code calls (shared/db/app-repository.ts); no Scan anywhere. IAM has no
 * TransactWriteItems action: each action of a transaction needs its own (PutItem, DeleteItem, …).
 */
export const TABLE_ACCESS: Record<FunctionName, DynamoAction[]> = {
  // one transaction of puts (claims, client record, role assignments, app, idempotency record);
  // GetItem reads an idempotency record a retry replays
  createApp: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  // list: a Query of the tenant's apps; one app: GetItem
  readApps: ['dynamodb:Query', 'dynamodb:GetItem'],
  // read the app, then one transaction: app and new claims (put), released claims and roles (delete);
  // a client secret added or retired: app (put) and the hash in the client record (update)
  updateApp: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
  // read the app, then one transaction: app and claims (delete), cleanup marker (put)
  deleteApp: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem'],
};

export interface ManagementAppsStackProps extends StackProps {
  config: DeploymentConfig;
}

export class ManagementAppsStack extends Stack {
  constructor(scope: Construct, id: string, props: ManagementAppsStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (config.jwtIssuers.includes(PLACEHOLDER_ISSUER)) {
      Annotations.of(this).addWarningV2(
        'management-apps:placeholder-issuer',
        `jwtIssuer is the placeholder ${PLACEHOLDER_ISSUER}: no real token will be accepted. Deploy with -c jwtIssuer=<your issuer>.`,
      );
    }
    const { table } = new DataTable(this, 'Data', { retainData: config.retainData });

    const environment = {
      JWT_ISSUER: config.jwtIssuers.join(','),
      JWT_AUDIENCE: config.jwtAudience,
      ...(config.jwksUri ? { JWT_JWKS_URI: config.jwksUri } : {}),
    };
    const functions = {} as Record<FunctionName, IFunction>;
    for (const [name, entry] of Object.entries(FUNCTIONS) as [FunctionName, string][]) {
      functions[name] = new AppFunction(this, name, {
        entry,
        description: functionDescription(name),
        // One definition with the local runtime's (shared/function-settings.ts says why these values).
        memorySize: API_FUNCTION_SETTINGS.memorySizeMb,
        timeout: Duration.seconds(API_FUNCTION_SETTINGS.timeoutSeconds),
        environment,
        logRetention: config.logRetentionDays,
        reservedConcurrency: config.reservedConcurrency,
        table,
        tableActions: TABLE_ACCESS[name],
      }).fn;
    }

    const http = new ManagementHttpApi(this, 'Http', {
      functions,
      throttling: config.throttling,
      corsOrigins: config.corsOrigins,
      logRetention: config.logRetentionDays,
    });
    const cleanup = new Cleanup(this, 'Cleanup', { table, environment: {}, logRetention: config.logRetentionDays });
    const alarms = new Alarms(this, 'Alarms', {
      api: http.api,
      functions,
      cleanup: cleanup.function.fn,
      deadLetterQueue: cleanup.deadLetterQueue,
      alarmEmail: config.alarmEmail,
    });
    new Dashboard(this, 'Dashboard', { operations: ROUTES.map((route) => route.name), alarms: alarms.alarms });

    // Stack-wide acknowledgements, each with its reason (cdk-nag AwsSolutions).
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS-managed basic execution policy only lets a function write its own CloudWatch logs.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: it is the runtime the code and its dependencies are tested for; moving to 24 is a deliberate upgrade.',
    });

    new CfnOutput(this, 'ApiUrl', { value: http.url, description: 'Base URL of the Management Apps API' });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: cleanup.deadLetterQueue.queueUrl });
  }
}
