/**
 * The single table. Keys come from shared/db/table.ts (the local runtime builds the same table).
 * - On-demand: traffic is spiky admin traffic plus cleanup bursts; no capacity to tune.
 * - Stream NEW_AND_OLD_IMAGES: the cleanup needs the removed App's old image.
 * - Point-in-time recovery: an admin API's data is worth restoring to the second.
 * - Encryption with the AWS-owned key: no secret is stored in plaintext (client secrets are SHA-256
 *   hashes, idempotency replays are sealed under keys the service never stores), so a customer-managed
 *   key would add cost and key-policy risk without protecting anything more.
 * - `expires_at` is the TTL attribute of idempotency records.
 * - RETAIN and deletion protection unless `retainData=false`: `cdk destroy` must not delete apps.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../shared/db/table.ts';

export class DataTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: { retainData: boolean }) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey.name, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      encryption: TableEncryption.DEFAULT,
      timeToLiveAttribute: 'expires_at',
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}
