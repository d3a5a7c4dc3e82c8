/**
 * What an operator is paged for: the API failing (5xx rate), any function erroring or throttled,
 * anything in the cleanup's dead-letter queue, and the cleanup falling behind its stream.
 * All alarms notify one SNS topic; an e-mail subscription is added when `alarmEmail` is set.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  api: HttpApi;
  functions: Record<string, IFunction>;
  cleanup: IFunction;
  deadLetterQueue: Queue;
  alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

export class Alarms extends Construct {
  readonly topic: Topic;
  /** Every alarm, in the order created: the dashboard shows them (dashboard.ts). */
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'Management Apps alarms', enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry no data beyond alarm names; the AWS-managed SNS key would stop CloudWatch from publishing to the topic.',
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) => {
      const created = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    alarm(
      'Api5xxRate',
      new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: {
          errors: props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
          requests: props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
        },
        period: FIVE_MINUTES,
        label: 'API 5xx %',
      }),
      1,
      'More than 1% of API requests answered 5xx over 5 minutes',
    );
    for (const [name, fn] of Object.entries({ ...props.functions, cleanupApp: props.cleanup })) {
      alarm(`${name}Errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 0, `${name} raised errors`);
      alarm(`${name}Throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), 0, `${name} was throttled`);
    }
    alarm(
      'DeadLetters',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      0,
      'A deleted app could not be cleaned up after every retry: see the dead-letter queue',
    );
    alarm(
      'CleanupIteratorAge',
      props.cleanup.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      5 * 60 * 1000,
      'The cleanup is more than 5 minutes behind the table stream',
    );
  }
}
