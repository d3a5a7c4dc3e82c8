/**
 * One CloudWatch dashboard for the service: the API per operation (responses by status class, latency
 * p50 and p99), client secrets added and deleted, what the cleanup removed and the DynamoDB calls it
 * took, and every alarm. The metrics are the functions' EMF metrics (shared/metrics.ts); names,
 * namespace and dimensions come from shared/metric-names.ts, which the functions emit with, so a
 * renamed metric cannot leave an empty graph behind.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard as CloudWatchDashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { CLEANUP_OPERATION, METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../../shared/metric-names.ts';

export interface DashboardProps {
  /** The API's operations: the route names, each an `operation` dimension value. */
  operations: readonly string[];
  alarms: readonly IAlarm[];
}

const PERIOD = Duration.minutes(5);
const WIDTH = 8;
const HEIGHT = 6;

/** One of the service's EMF metrics for one operation (dimensions exactly as emitted: service, operation). */
const metric = (name: string, operation: string, statistic: string, label = operation): IMetric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRICS_SERVICE, operation },
    statistic,
    period: PERIOD,
    label,
  });

export class Dashboard extends Construct {
  readonly dashboard: CloudWatchDashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { operations } = props;
    const perOperation = (title: string, name: string, statistic: string, unit = '') =>
      new GraphWidget({
        title,
        width: WIDTH,
        height: HEIGHT,
        left: operations.map((operation) => metric(name, operation, statistic)),
        leftYAxis: { min: 0, label: unit, showUnits: false },
      });
    const cleanup = (title: string, name: string) =>
      new GraphWidget({
        title,
        width: WIDTH,
        height: HEIGHT,
        left: Object.values(CLEANUP_OPERATION).map((operation) => metric(name, operation, 'Sum')),
        leftYAxis: { min: 0, showUnits: false },
      });

    // Named after the stack: findable in the console, and unique per region as dashboard names must be.
    this.dashboard = new CloudWatchDashboard(this, 'Dashboard', {
      dashboardName: Stack.of(this).stackName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## Management Apps API\nEMF metrics in namespace \`${METRICS_NAMESPACE}\`, dimensions \`service\`, \`operation\`; sums per ${PERIOD.toMinutes()} minutes.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      perOperation('Responses 2xx', METRIC.status2xx, 'Sum'),
      perOperation('Responses 4xx', METRIC.status4xx, 'Sum'),
      perOperation('Responses 5xx', METRIC.status5xx, 'Sum'),
    );
    this.dashboard.addWidgets(
      perOperation('Latency p50 (ms)', METRIC.latency, 'p50', 'ms'),
      perOperation('Latency p99 (ms)', METRIC.latency, 'p99', 'ms'),
      new GraphWidget({
        title: 'Client secrets added and deleted',
        width: WIDTH,
        height: HEIGHT,
        left: [
          metric(METRIC.secretsAdded, 'addClientSecret', 'Sum', 'added'),
          metric(METRIC.secretsDeleted, 'deleteClientSecret', 'Sum', 'deleted'),
        ],
        leftYAxis: { min: 0, showUnits: false },
      }),
    );
    this.dashboard.addWidgets(
      cleanup('Cleanup: items removed', METRIC.itemsRemoved),
      cleanup('Cleanup: DynamoDB calls', METRIC.dynamodbCalls),
      cleanup('Cleanup: apps cleaned up', METRIC.appsCleanedUp),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 6 }));
  }
}
