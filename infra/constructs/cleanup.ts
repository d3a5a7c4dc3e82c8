/**
 * The event-driven cleanup: the cleanup function on the table's stream, with the mapping settings of
 * shared/cleanup/event-source.ts (the local runtime applies the very same), and an encrypted,
 * SSL-only SQS queue as the on-failure destination for records that still fail after the retries.
 * That destination gets only the failed batch's coordinates, so the same function also runs on an
 * EventBridge schedule (CLEANUP_REDRIVE, shared with the local runtime) and finishes every app whose
 * cleanup marker is older than the marker age.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CLEANUP_EVENT_SOURCE, CLEANUP_FUNCTION, CLEANUP_REDRIVE } from '../../shared/cleanup/event-source.ts';
import { AppFunction } from './app-function.ts';

export interface CleanupProps {
  table: Table;
  environment: Record<string, string>;
  logRetention: RetentionDays;
}

export class Cleanup extends Construct {
  readonly function: AppFunction;
  readonly deadLetterQueue: Queue;
  readonly redriveSchedule: Rule;

  constructor(scope: Construct, id: string, props: CleanupProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter (on-failure) destination of the cleanup; its messages are read by an operator, never redriven automatically.',
    });

    this.function = new AppFunction(this, 'Cleanup', {
      entry: CLEANUP_FUNCTION.entry,
      description: 'Removes what belonged to a deleted management app (stream consumer, scheduled redrive)',
      // One definition with the local runtime's (CLEANUP_FUNCTION says why these values).
      memorySize: CLEANUP_FUNCTION.memorySizeMb,
      timeout: Duration.seconds(CLEANUP_FUNCTION.timeoutSeconds),
      environment: props.environment,
      logRetention: props.logRetention,
      table: props.table,
      tableActions: ['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'],
    });

    const settings = CLEANUP_EVENT_SOURCE;
    this.function.fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition[settings.startingPosition],
        batchSize: settings.batchSize,
        maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
        retryAttempts: settings.retryAttempts,
        bisectBatchOnError: settings.bisectBatchOnError,
        reportBatchItemFailures: settings.reportBatchItemFailures,
        maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds),
        filters: settings.filterPatterns.map((pattern) => FilterCriteria.filter(pattern as never)),
        onFailure: new SqsDlq(this.deadLetterQueue),
      }),
    );

    // The redrive: a Query on the markers' partition, then the same deletes as the stream path, so the
    // table actions above suffice. A failed run is not retried by Lambda (the schedule's invocations are
    // its only asynchronous ones): the next run, minutes later, is the retry.
    this.redriveSchedule = new Rule(this, 'RedriveSchedule', {
      description: `Finishes deleted apps whose cleanup marker is older than ${CLEANUP_REDRIVE.markerAgeSeconds / 60} minutes`,
      schedule: Schedule.rate(Duration.minutes(CLEANUP_REDRIVE.rateMinutes)),
      targets: [new LambdaFunction(this.function.fn)],
    });
    this.function.fn.configureAsyncInvoke({ retryAttempts: 0 });

    Validations.of(this.function.fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Only dynamodb:ListStreams, which the event source mapping needs and which IAM cannot scope to a resource; reading the stream itself is granted on this table's stream ARN only.",
    });
  }
}
