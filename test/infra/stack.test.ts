/** Every decision of the CDK stack, pinned by an assertion on the synthesized template. */
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { CLEANUP_EVENT_SOURCE, CLEANUP_FILTER_PATTERNS, CLEANUP_REDRIVE } from '../../shared/cleanup/event-source.ts';
import { FUNCTIONS, ROUTES } from '../../shared/routes.ts';
import { apiFunctionIdOf, functionIdOf, synth, synthWithoutTemplate } from './fixtures.ts';

const { template, app, stack } = synth();
const CLEANUP_DESCRIPTION = 'Removes what belonged to a deleted management app (stream consumer, scheduled redrive)';
const describeRoute = (route: (typeof ROUTES)[number]) => `${route.method} ${route.path}`;
const API_FUNCTIONS = Object.keys(FUNCTIONS);

function policyActionsOf(t: Template, functionId: string): string[] {
  const fn = t.findResources('AWS::Lambda::Function')[functionId];
  const roleId = fn?.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
    p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()));
}

describe('HTTP API', () => {
  it('has exactly the routes of the route table', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual(ROUTES.map(describeRoute).sort());
  });

  it('has the seven routes of contract §1, served by four functions', () => {
    // Written out here, not read from the route table: a route moved to another function must fail this test.
    const expected: [string, string][] = [
      ['POST /v1/management/applications', 'createApp'],
      ['GET /v1/management/applications', 'readApps'],
      ['GET /v1/management/applications/{app_id}', 'readApps'],
      ['PUT /v1/management/applications/{app_id}', 'updateApp'],
      ['POST /v1/management/applications/{app_id}/secrets', 'updateApp'],
      ['DELETE /v1/management/applications/{app_id}/secrets/{secret_id}', 'updateApp'],
      ['DELETE /v1/management/applications/{app_id}', 'deleteApp'],
    ];
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const served = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => {
      const integrationId = String(route.Properties.Target['Fn::Join'][1][1].Ref);
      const fnId = integrations[integrationId]?.Properties.IntegrationUri['Fn::GetAtt'][0];
      return [route.Properties.RouteKey, API_FUNCTIONS.find((name) => fnId === apiFunctionIdOf(template, name))];
    });
    expect(served.sort()).toEqual(expected.sort());
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 4);
  });

  it('integrates every function with payload 2.0, with no API Gateway authorizer', () => {
    for (const name of API_FUNCTIONS) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationUri: { 'Fn::GetAtt': [apiFunctionIdOf(template, name), 'Arn'] },
        PayloadFormatVersion: '2.0',
      });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
      expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    }
  });

  it('throttles the stage and writes JSON access logs to a retained log group', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
    const format = JSON.parse(Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]?.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({ status: '$context.status', routeKey: '$context.routeKey' });
  });

  it('gives every log group (5 functions, the access logs) the configured retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(6);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
    for (const group of Object.values(synth({ logRetentionDays: 90 }).template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(90);
    }
  });

  it('takes throttling and CORS from context; no CORS by default', () => {
    expect(Object.values(template.findResources('AWS::ApiGatewayV2::Api'))[0]?.Properties.CorsConfiguration).toBeUndefined();
    const custom = synth({ throttleRate: 5, throttleBurst: 10, corsOrigins: 'https://admin.example.com' }).template;
    custom.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
    custom.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: { AllowOrigins: ['https://admin.example.com'] } });
  });
});

describe('functions', () => {
  const all = [...API_FUNCTIONS, 'cleanupApp'];
  const idOf = (name: string) => (name === 'cleanupApp' ? functionIdOf(template, CLEANUP_DESCRIPTION) : apiFunctionIdOf(template, name));

  it('one per function of the route table, described by what its routes do, and the cleanup', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(5);
    const descriptionOf = (name: string) =>
      template.findResources('AWS::Lambda::Function')[apiFunctionIdOf(template, name)]?.Properties.Description;
    expect(descriptionOf('readApps')).toBe('Lists apps; Reads one app');
    expect(descriptionOf('updateApp')).toBe('Updates an app; Adds a client secret; Deletes a client secret');
  });

  it.each(all)('%s: Node.js 22 on arm64, ESM handler, explicit log group with retention', (name) => {
    const id = idOf(name);
    const fn = template.findResources('AWS::Lambda::Function')[id]!;
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays).toBe(30);
  });

  it("API functions: 512 MB, 10 s (below API Gateway's 30 s), config from context in the environment", () => {
    for (const name of API_FUNCTIONS) {
      const fn = template.findResources('AWS::Lambda::Function')[apiFunctionIdOf(template, name)]!;
      expect(fn.Properties.MemorySize).toBe(512);
      expect(fn.Properties.Timeout).toBe(10);
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
      expect(fn.Properties.Environment.Variables).toEqual({
        TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
        JWT_ISSUER: 'https://auth.example.com',
        JWT_AUDIENCE: 'userid-api',
        POWERTOOLS_SERVICE_NAME: 'management-apps',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'ManagementApps',
      });
    }
  });

  it('passes issuers, audience, JWKS URL and reserved concurrency from context', () => {
    const t = synth({
      jwtIssuer: 'https://a.example.com,https://b.example.com',
      jwtAudience: 'aud',
      jwksUri: 'https://a.example.com/keys',
      reservedConcurrency: 7,
    }).template;
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Lists apps; Reads one app',
      ReservedConcurrentExecutions: 7,
      Environment: {
        Variables: Match.objectLike({
          JWT_ISSUER: 'https://a.example.com,https://b.example.com',
          JWT_AUDIENCE: 'aud',
          JWT_JWKS_URI: 'https://a.example.com/keys',
        }),
      },
    });
  });

  it('warns at synth while the issuer is the placeholder of cdk.json', () => {
    const warnings = (t: ReturnType<typeof synth>) =>
      Annotations.fromStack(t.stack).findWarning('*', Match.stringLikeRegexp('placeholder'));
    expect(warnings(synth())).toHaveLength(1);
    expect(warnings(synth({ jwtIssuer: 'https://idp.example.org' }))).toHaveLength(0);
  });

  it('refuses bad configuration at synth', () => {
    expect(() => synth({ jwtIssuer: 'http://insecure.example.com' })).toThrow(/jwtIssuer must be an https URL/);
    expect(() => synth({ jwtIssuer: '' })).toThrow(/jwtIssuer is required/);
    expect(() => synth({ logRetentionDays: 31 })).toThrow(/logRetentionDays/);
    expect(() => synth({ throttleRate: -1 })).toThrow(/throttleRate/);
  });
});

describe('least privilege', () => {
  // Written out here, not read from the stack's constant: a grant dropped there must fail this test.
  const expected: Record<string, string[]> = {
    createApp: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    readApps: ['dynamodb:GetItem', 'dynamodb:Query'],
    updateApp: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    deleteApp: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  };
  it.each(API_FUNCTIONS)('%s gets exactly its table actions, on the table only', (name) => {
    expect(policyActionsOf(template, apiFunctionIdOf(template, name)).sort()).toEqual(expected[name]);
  });

  it('the cleanup gets its table actions, the stream read and the dead-letter send', () => {
    expect(policyActionsOf(template, functionIdOf(template, CLEANUP_DESCRIPTION)).sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'dynamodb:Query',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });

  it('no wildcard action, no Scan, and table actions only on the table ARN', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions = [statement.Action].flat() as string[];
        for (const action of actions) {
          expect(action).not.toContain('*');
          expect(action).not.toBe('dynamodb:Scan');
        }
        const tableActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'];
        if (actions.some((a) => tableActions.includes(a))) {
          expect(statement.Resource).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^DataTable/), 'Arn'] }]);
        }
      }
    }
  });
});

describe('table', () => {
  it('PK/SK, on demand, PITR, stream with old images, TTL, AWS-owned encryption, no GSI', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: Match.absent(),
      SSESpecification: { SSEEnabled: false }, // the AWS-owned key
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('is deletable only when retainData=false', () => {
    const t = synth({ retainData: false }).template;
    t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
  });
});

describe('cleanup event source mapping', () => {
  it('is built from the shared definition', () => {
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mapping).toHaveLength(1);
    const props = mapping[0]!.Properties;
    expect(props).toMatchObject({
      FunctionName: { Ref: functionIdOf(template, CLEANUP_DESCRIPTION) },
      EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^DataTable/), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: CLEANUP_EVENT_SOURCE.batchSize,
      MaximumBatchingWindowInSeconds: CLEANUP_EVENT_SOURCE.maxBatchingWindowSeconds,
      MaximumRetryAttempts: CLEANUP_EVENT_SOURCE.retryAttempts,
      MaximumRecordAgeInSeconds: CLEANUP_EVENT_SOURCE.maxRecordAgeSeconds,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^CleanupDeadLetterQueue/), 'Arn'] } } },
    });
    expect(props.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual(CLEANUP_FILTER_PATTERNS);
  });

  it('dead-letters to an encrypted, SSL-only queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('cleanup redrive schedule', () => {
  it('invokes the cleanup function at the shared rate, which EventBridge may invoke; Lambda does not retry a failed run', () => {
    const cleanupId = functionIdOf(template, CLEANUP_DESCRIPTION);
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      ScheduleExpression: `rate(${CLEANUP_REDRIVE.rateMinutes} minutes)`,
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [cleanupId, 'Arn'] } }],
    });
    expect(rules[0]!.Properties.Targets[0].Input).toBeUndefined(); // the Scheduled Event itself
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [cleanupId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CleanupRedriveSchedule'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: cleanupId }, MaximumRetryAttempts: 0 });
  });
});

describe('alarms', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  const byMetric = (name: string) => alarms.filter((a) => a.Properties.MetricName === name);

  it('on API 5xx rate, Lambda errors and throttles, dead letters and stream iterator age', () => {
    const rate = alarms.find((a) =>
      a.Properties.Metrics?.some((m: { Expression?: string }) => m.Expression?.includes('errors / requests')),
    );
    expect(
      rate?.Properties.Metrics.map((m: { MetricStat?: { Metric: { MetricName: string } } }) => m.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['5xx', 'Count']);
    expect(byMetric('Errors')).toHaveLength(5);
    expect(byMetric('Throttles')).toHaveLength(5);
    expect(byMetric('ApproximateNumberOfMessagesVisible')[0]?.Properties).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(byMetric('IteratorAge')[0]?.Properties).toMatchObject({ Threshold: 300_000, Namespace: 'AWS/Lambda' });
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  it('e-mails the alarm topic only when alarmEmail is set', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synth({ alarmEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('dashboard', () => {
  const OPERATIONS = ['createApp', 'listApps', 'getApp', 'updateApp', 'addClientSecret', 'deleteClientSecret', 'deleteApp'];
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));

  /** The body as CloudFormation will write it: the Fn::Join's parts, each intrinsic as a readable placeholder. */
  function dashboardBody(): { widgets: { type: string; properties: Record<string, any> }[] } {
    const [, parts] = dashboards[0]!.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
    const text = parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const { Ref: ref, 'Fn::GetAtt': getAtt } = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
        return ref ? `{Ref ${ref}}` : `{GetAtt ${getAtt?.join('.')}}`;
      })
      .join('');
    return JSON.parse(text);
  }

  /** Every graphed metric as "namespace name operation=… service=… stat". */
  function graphedMetrics(): string[] {
    return dashboardBody()
      .widgets.filter((widget) => widget.type === 'metric' && widget.properties.metrics)
      .flatMap((widget) => widget.properties.metrics as unknown[][])
      .map((row) => {
        const options = row.at(-1) as { stat: string };
        const [namespace, name, ...dimensions] = row.slice(0, -1) as string[];
        const pairs = [];
        for (let i = 0; i < dimensions.length; i += 2) pairs.push(`${dimensions[i]}=${dimensions[i + 1]}`);
        return [namespace, name, ...pairs.sort(), options.stat].join(' ');
      });
  }

  it('one dashboard graphing, per operation, responses by class (Sum) and latency (p50, p99)', () => {
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties.DashboardName).toBe(stack.stackName);
    const graphed = graphedMetrics();
    for (const operation of OPERATIONS) {
      for (const [name, stat] of [
        ['Responses2xx', 'Sum'],
        ['Responses4xx', 'Sum'],
        ['Responses5xx', 'Sum'],
        ['Latency', 'p50'],
        ['Latency', 'p99'],
      ]) {
        expect(graphed).toContain(`ManagementApps ${name} operation=${operation} service=management-apps ${stat}`);
      }
    }
  });

  it('graphs the secrets added and deleted, and the cleanup (items removed, DynamoDB calls) of both triggers', () => {
    const graphed = graphedMetrics();
    expect(graphed).toContain('ManagementApps SecretsAdded operation=addClientSecret service=management-apps Sum');
    expect(graphed).toContain('ManagementApps SecretsDeleted operation=deleteClientSecret service=management-apps Sum');
    for (const operation of ['cleanupStream', 'cleanupRedrive']) {
      for (const name of ['ItemsRemoved', 'DynamoDBCalls', 'AppsCleanedUp']) {
        expect(graphed).toContain(`ManagementApps ${name} operation=${operation} service=management-apps Sum`);
      }
    }
    // 7 operations × 5, 2 secret metrics, 2 triggers × 3 cleanup metrics: nothing else, nothing twice.
    expect(graphed).toHaveLength(7 * 5 + 2 + 2 * 3);
    expect(new Set(graphed).size).toBe(graphed.length);
  });

  it('shows every alarm of the stack', () => {
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarmIds).toHaveLength(13);
    const shown = dashboardBody()
      .widgets.filter((widget) => widget.type === 'alarm')
      .flatMap((widget) => widget.properties.alarms as string[]);
    expect(shown.sort()).toEqual(alarmIds.map((id) => `{GetAtt ${id}.Arn}`).sort());
  });

  it('reads the namespace the functions write to: POWERTOOLS_METRICS_NAMESPACE on every function', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(5);
    for (const fn of functions) expect(fn.Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE).toBe('ManagementApps');
  });
});

describe('tracing', () => {
  it('stays off (BENCHMARKS.md: its figures and the decision): no TracingConfig, no X-Ray grant', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) expect(fn.Properties.TracingConfig).toBeUndefined();
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()),
    );
    expect(actions.filter((action) => action.startsWith('xray:'))).toEqual([]);
  });
});

describe('outputs and nag', () => {
  it('outputs the API URL, the table name and the DLQ URL', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['ApiUrl', 'DeadLetterQueueUrl', 'TableName']);
  });

  it('synthesizes with cdk-nag AwsSolutions and no unacknowledged finding', () => {
    expect(() => app.synth({ force: true })).not.toThrow();
  });

  it('fails synth on an unacknowledged finding (the checks really run)', () => {
    const { app: probe, stack } = synthWithoutTemplate();
    new Queue(stack, 'UnencryptedProbe');
    expect(() => probe.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
