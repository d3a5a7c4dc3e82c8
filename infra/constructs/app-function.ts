/**
 * A Lambda function with the project's defaults, so each function reads as a list of its own decisions:
 * - Node.js 22 (pinned: NODEJS_LATEST now means 24), arm64 (cheaper per ms, fast enough for JSON + JWT).
 * - ESM, minified, with the AWS SDK bundled: one file loads about twice as fast as resolving the
 *   runtime's SDK. `keepNames` keeps function names in stack traces; no source maps, since
 *   `--enable-source-maps` slows every stack trace and the named middlewares already say what ran.
 * - An explicit log group with retention (no logRetention custom resource).
 * - DynamoDB access is granted per function, action by action (`grantTable`).
 */

import { join } from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../shared/metric-names.ts';

const PROJECT_ROOT = join(import.meta.dirname, '../..');

export type DynamoAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:BatchWriteItem';

/** How every function is bundled; the observability benchmark (test/bench/observability-cost.ts) builds with the same. */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  keepNames: true,
  sourceMap: false,
  bundleAwsSDK: true,
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); ESM output needs it defined.
  banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
} as const satisfies BundlingOptions;

export interface AppFunctionProps {
  /** Module under the project root that exports `handler`. */
  entry: string;
  functionName?: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  reservedConcurrency?: number;
  table: ITable;
  tableActions: DynamoAction[];
}

export class AppFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      projectRoot: PROJECT_ROOT,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        TABLE_NAME: props.table.tableName,
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Where the EMF metrics land (shared/metrics.ts); the dashboard reads the same constant.
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: BUNDLING,
    });
    props.table.grant(this.fn, ...props.tableActions);
  }
}
