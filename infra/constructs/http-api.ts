/**
 * The HTTP API: one route per entry of the route table (shared/routes.ts, which the local gateway
 * serves too), integrated with the function the table names (one integration per function), the stage with throttling and JSON access logs. No API Gateway authorizer: the JWT is
 * verified inside each function's Middy chain (aws-jwt-verify), where the tenant and permissions are
 * also read.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Throttling } from '../../shared/api-limits.ts';
import { type FunctionName, ROUTES } from '../../shared/routes.ts';

export interface ManagementHttpApiProps {
  functions: Record<FunctionName, IFunction>;
  throttling: Throttling;
  corsOrigins: string[];
  logRetention: RetentionDays;
}

const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
  userAgent: '$context.identity.userAgent',
};

export class ManagementHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ManagementHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'Management Apps API',
      createDefaultStage: false,
      ...(props.corsOrigins.length
        ? {
            corsPreflight: {
              allowOrigins: props.corsOrigins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
              exposeHeaders: ['etag', 'link', 'x-request-id', 'retry-after', 'www-authenticate'],
            },
          }
        : {}),
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: props.throttling,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      const integration =
        integrations.get(route.function) ?? new HttpLambdaIntegration(`${route.function}Integration`, props.functions[route.function]);
      integrations.set(route.function, integration);
      const route_ = this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
      for (const created of route_) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'By design the bearer JWT is verified in the function (aws-jwt-verify in the Middy chain), which also confines the call to the token tenant and checks the permission.',
        });
      }
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
