/**
 * What the deploy test leaves behind (lib/integ/leftovers.ts): the inventory taken before a destroy,
 * and the sweep after it, against answers shaped as the AWS API references show them.
 */
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { regionClients } from '../../../lib/integ/aws';
import { type Clients, type Inventory, type Remnant, stackStatus, sweep, takeInventory } from '../../../lib/integ/sweep/leftovers';

const cloudformation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const dynamodb = mockClient(DynamoDBClient);
const rds = mockClient(RDSClient);
const logs = mockClient(CloudWatchLogsClient);
const secrets = mockClient(SecretsManagerClient);

const clients: Clients = regionClients();

/** Time that passes only when the code under test sleeps. */
const fakeClock = () => {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
};

const REGION = 'eu-west-1';
const STACK = { stackName: 'Integ-ab12cd-Stage4-ReplicatedData', region: REGION };
const EDGE = { stackName: 'Integ-ab12cd-Stage5-CacheAndCdn-Edge', region: 'us-east-1' };
const at = { region: REGION, stack: STACK.stackName };
const inventoryOf = (...remnants: Remnant[]): Inventory => ({ stacks: [STACK], remnants });

/** An error as the SDK raises it for a service's error code. */
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

const summary = (LogicalResourceId: string, ResourceType: string, PhysicalResourceId?: string) => ({
  LogicalResourceId,
  PhysicalResourceId,
  ResourceType,
  LastUpdatedTimestamp: new Date('2025-06-01T10:00:00Z'),
  ResourceStatus: PhysicalResourceId ? ('CREATE_COMPLETE' as const) : ('CREATE_IN_PROGRESS' as const),
  DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' as const },
});

const CLUSTER = 'integ-ab12cd-stage4-replicateddata-datatierclusterf1a2b3c4-x7k2m9q4w1e5';
const MANAGED_SECRET = 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:rds!cluster-3f1c9a2e-8d4b-4b7a-9c1e-5a6b7c8d9e0f-AbCdEf';

beforeEach(() => {
  for (const mock of [cloudformation, s3, dynamodb, rds, logs, secrets]) mock.reset();
});

describe('takeInventory', () => {
  test("GIVEN a stack's resources over two pages WHEN inventoried THEN each thing its deletion can leave is recorded, the cluster's RDS-managed secret with it", async () => {
    cloudformation
      .on(ListStackResourcesCommand)
      .rejects(awsError('ValidationError', 'unexpected page'))
      .on(ListStackResourcesCommand, { StackName: STACK.stackName, NextToken: undefined })
      .resolves({
        StackResourceSummaries: [
          summary('AccessLogs8B620ECA', 'AWS::S3::Bucket', 'integ-ab12cd-stage4-replica-accesslogs8b620eca-1x2y3z4w5v6u'),
          summary('DataTierTable', 'AWS::DynamoDB::Table', 'Integ-ab12cd-Stage4-ReplicatedData-DataTierTable-1A2B3C4D5E6F'),
          summary('DataTierClusterF1A2B3C4', 'AWS::RDS::DBCluster', CLUSTER),
          summary('WebServer', 'AWS::EC2::Instance', 'i-0abc123def4567890'),
        ],
        NextToken: 'page-2',
      })
      .on(ListStackResourcesCommand, { StackName: STACK.stackName, NextToken: 'page-2' })
      .resolves({
        StackResourceSummaries: [
          summary('VerifyFunction', 'AWS::Lambda::Function', 'Integ-ab12cd-Stage4-Repli-VerifyFunction-AbC123dEf456'),
          summary('FlowLogs', 'AWS::Logs::LogGroup', 'Integ-ab12cd-Stage4-ReplicatedData-FlowLogs-9ZyXwVuTsR'),
          summary('SecurityGroup', 'AWS::EC2::SecurityGroup', 'sg-0123456789abcdef0'),
          summary('NotYetStarted', 'AWS::S3::Bucket'),
        ],
      });
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER }).resolves({
      DBClusters: [
        { DBClusterIdentifier: CLUSTER, Status: 'available', MasterUserSecret: { SecretArn: MANAGED_SECRET, SecretStatus: 'active' } },
      ],
    });

    const inventory = await takeInventory([STACK], clients);

    expect(inventory.remnants).toEqual([
      { ...at, kind: 'bucket', name: 'integ-ab12cd-stage4-replica-accesslogs8b620eca-1x2y3z4w5v6u' },
      { ...at, kind: 'table', name: 'Integ-ab12cd-Stage4-ReplicatedData-DataTierTable-1A2B3C4D5E6F' },
      { ...at, kind: 'cluster-snapshots', cluster: CLUSTER },
      { ...at, kind: 'secret', arn: MANAGED_SECRET },
      { ...at, kind: 'log-group', name: '/aws/lambda/Integ-ab12cd-Stage4-Repli-VerifyFunction-AbC123dEf456' },
      { ...at, kind: 'log-group', name: 'Integ-ab12cd-Stage4-ReplicatedData-FlowLogs-9ZyXwVuTsR' },
    ]);
    expect(cloudformation.commandCalls(ListStackResourcesCommand)).toHaveLength(2);
  });

  test('GIVEN a stack that does not exist (never created, or already deleted) WHEN inventoried THEN it contributes nothing, and its status is undefined', async () => {
    const missing = awsError('ValidationError', `Stack with id ${EDGE.stackName} does not exist`);
    cloudformation.on(ListStackResourcesCommand).rejects(missing).on(DescribeStacksCommand).rejects(missing);

    expect(await takeInventory([EDGE], clients)).toEqual({ stacks: [EDGE], remnants: [] });
    expect(await stackStatus(EDGE, new CloudFormationClient({ region: EDGE.region }))).toBeUndefined();
  });

  test('GIVEN resources that cannot be listed WHEN inventoried THEN it rejects with the service error, so the runner knows the sweep would be blind', async () => {
    cloudformation
      .on(ListStackResourcesCommand)
      .rejects(awsError('AccessDenied', 'User: arn:aws:iam::210987654321:user/ci is not authorized'));
    await expect(takeInventory([STACK], clients)).rejects.toThrow('not authorized');
  });
});

describe('stackStatus', () => {
  test('GIVEN a stack Ctrl-C left being created WHEN asked THEN its status says so; a deleted one (looked up by id) is undefined', async () => {
    cloudformation
      .on(DescribeStacksCommand, { StackName: STACK.stackName })
      .resolves({ Stacks: [{ StackName: STACK.stackName, StackStatus: 'CREATE_IN_PROGRESS', CreationTime: new Date() }] })
      .on(DescribeStacksCommand, { StackName: EDGE.stackName })
      .resolves({ Stacks: [{ StackName: EDGE.stackName, StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() }] });
    const cf = new CloudFormationClient({ region: REGION });
    expect(await stackStatus(STACK, cf)).toBe('CREATE_IN_PROGRESS');
    expect(await stackStatus(EDGE, cf)).toBeUndefined();
  });
});

describe('sweep: buckets', () => {
  const BUCKET = 'integ-ab12cd-stage4-replica-accesslogs8b620eca-1x2y3z4w5v6u';
  const version = (Key: string, VersionId: string, IsLatest: boolean) => ({
    ETag: '"6805f2cfc46c0f04559748bb039d69ae"',
    Size: 3191,
    StorageClass: 'STANDARD' as const,
    Key,
    VersionId,
    IsLatest,
    LastModified: new Date('2025-06-01T10:00:00Z'),
  });
  const marker = (Key: string, VersionId: string) => ({ Key, VersionId, IsLatest: true, LastModified: new Date('2025-06-01T10:05:00Z') });

  test('GIVEN a bucket with versions and delete markers over two pages WHEN swept THEN every one is deleted, page by page, then the bucket', async () => {
    s3.on(ListObjectVersionsCommand)
      .rejects(awsError('InvalidArgument', 'unexpected markers'))
      .on(ListObjectVersionsCommand, { Bucket: BUCKET, KeyMarker: undefined, VersionIdMarker: undefined })
      .resolves({
        Versions: [version('AWSLogs/a.log.gz', 'Rb_l2T8UHDkFEwCgJjhlgPOZC0qJ.vpD', false), version('AWSLogs/b.log.gz', 'null', true)],
        DeleteMarkers: [marker('AWSLogs/a.log.gz', 'B2VsEK5saUNNHKcOAJj7hIE86RozToyq')],
        IsTruncated: true,
        NextKeyMarker: 'AWSLogs/b.log.gz',
        NextVersionIdMarker: 'null',
      })
      .on(ListObjectVersionsCommand, { Bucket: BUCKET, KeyMarker: 'AWSLogs/b.log.gz', VersionIdMarker: 'null' })
      .resolves({ Versions: [version('AWSLogs/c.log.gz', 'null', true)], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({ Deleted: [] }).on(DeleteBucketCommand).resolves({});

    const report = await sweep(inventoryOf({ ...at, kind: 'bucket', name: BUCKET }), clients, fakeClock());

    expect(s3.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'ListObjectVersionsCommand',
      'DeleteObjectsCommand',
      'ListObjectVersionsCommand',
      'DeleteObjectsCommand',
      'DeleteBucketCommand',
    ]);
    expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects)).toEqual([
      [
        { Key: 'AWSLogs/a.log.gz', VersionId: 'Rb_l2T8UHDkFEwCgJjhlgPOZC0qJ.vpD' },
        { Key: 'AWSLogs/b.log.gz', VersionId: 'null' },
        { Key: 'AWSLogs/a.log.gz', VersionId: 'B2VsEK5saUNNHKcOAJj7hIE86RozToyq' },
      ],
      [{ Key: 'AWSLogs/c.log.gz', VersionId: 'null' }],
    ]);
    expect(report).toEqual({ removed: [`S3 bucket ${BUCKET} (emptied of 3 object versions and 1 delete marker)`], left: [] });
  });

  test('GIVEN logs arriving while the bucket is emptied WHEN its deletion finds it not empty THEN it is emptied again and deleted', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({ Versions: [version('a.log', 'null', true)], IsTruncated: false })
      .resolvesOnce({ Versions: [version('late.log', 'null', true)], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(DeleteBucketCommand).rejectsOnce(awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty')).resolves({});

    const report = await sweep(inventoryOf({ ...at, kind: 'bucket', name: BUCKET }), clients, fakeClock());

    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(2);
    expect(report.removed).toEqual([`S3 bucket ${BUCKET} (emptied of 2 object versions and 0 delete markers)`]);
  });

  test('GIVEN a version DeleteObjects refuses WHEN swept THEN the bucket is not claimed, not deleted, and is left with the versioned command', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [version('a.log', '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY', true)],
      IsTruncated: false,
    });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'a.log', VersionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY', Code: 'AccessDenied', Message: 'Access Denied' }],
    });

    const report = await sweep(inventoryOf({ ...at, kind: 'bucket', name: BUCKET }), clients, fakeClock());

    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
    expect(report.removed).toEqual([]);
    expect(report.left).toEqual([
      {
        what: `S3 bucket ${BUCKET}`,
        region: REGION,
        why: 'AccessDenied: Access Denied (1 of 1 versions not deleted, first: a.log)',
        command: expect.stringMatching(
          new RegExp(
            `^aws s3api delete-objects --bucket ${BUCKET} --region ${REGION} --delete "\\$\\(aws s3api list-object-versions .*--max-items 1000 .*\\)" && aws s3api delete-bucket --bucket ${BUCKET} --region ${REGION} `,
          ),
        ),
      },
    ]);
  });

  test('GIVEN AccessDenied on the deletion of an unversioned bucket WHEN swept THEN it is a leftover with the command that removes it', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    s3.on(DeleteBucketCommand).rejects(awsError('AccessDenied', 'Access Denied'));

    const report = await sweep(inventoryOf({ ...at, kind: 'bucket', name: BUCKET }), clients, fakeClock());

    expect(report).toEqual({
      removed: [],
      left: [
        {
          what: `S3 bucket ${BUCKET}`,
          region: REGION,
          why: 'AccessDenied: Access Denied',
          command: `aws s3 rb s3://${BUCKET} --force --region ${REGION}`,
        },
      ],
    });
  });
});

describe('sweep: tables', () => {
  const TABLE = 'Integ-ab12cd-Stage4-ReplicatedData-DataTierTable-1A2B3C4D5E6F';
  const described = (DeletionProtectionEnabled: boolean) => ({
    Table: {
      TableName: TABLE,
      TableStatus: 'ACTIVE' as const,
      ItemCount: 12,
      DeletionProtectionEnabled,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' as const },
    },
  });

  test('GIVEN a retained table with deletion protection WHEN swept THEN protection is turned off, the table waited for while updating, then deleted', async () => {
    dynamodb.on(DescribeTableCommand).resolves(described(true)).on(UpdateTableCommand).resolves({});
    dynamodb
      .on(DeleteTableCommand)
      .rejectsOnce(
        awsError('ResourceInUseException', `Attempt to change a resource which is still in use: Table is being updated: ${TABLE}`),
      )
      .resolves({ TableDescription: { TableName: TABLE, TableStatus: 'DELETING' } });
    const clock = fakeClock();

    const report = await sweep(inventoryOf({ ...at, kind: 'table', name: TABLE }), clients, clock);

    expect(dynamodb.commandCalls(UpdateTableCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, DeletionProtectionEnabled: false },
    ]);
    expect(dynamodb.commandCalls(DeleteTableCommand)).toHaveLength(2);
    expect(clock.t).toBeGreaterThan(0);
    expect(report).toEqual({ removed: [`DynamoDB table ${TABLE} (deletion protection turned off first)`], left: [] });
  });

  test('GIVEN AccessDenied on deleting a protected table WHEN swept THEN the leftover says why, with both steps of its command', async () => {
    dynamodb.on(DescribeTableCommand).resolves(described(true)).on(UpdateTableCommand).resolves({});
    dynamodb
      .on(DeleteTableCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          `User: arn:aws:iam::210987654321:user/ci is not authorized to perform: dynamodb:DeleteTable on resource: arn:aws:dynamodb:eu-west-1:210987654321:table/${TABLE}`,
        ),
      );

    const { left } = await sweep(inventoryOf({ ...at, kind: 'table', name: TABLE }), clients, fakeClock());

    expect(left).toEqual([
      {
        what: `DynamoDB table ${TABLE}`,
        region: REGION,
        why: expect.stringMatching(/^AccessDeniedException: User: .* is not authorized to perform: dynamodb:DeleteTable/),
        command: `aws dynamodb update-table --table-name ${TABLE} --no-deletion-protection-enabled --region ${REGION} && aws dynamodb delete-table --table-name ${TABLE} --region ${REGION}`,
      },
    ]);
  });

  test('GIVEN a table the destroy deleted WHEN swept THEN nothing is removed or left', async () => {
    dynamodb
      .on(DescribeTableCommand)
      .rejects(awsError('ResourceNotFoundException', `Requested resource not found: Table: ${TABLE} not found`));
    expect(await sweep(inventoryOf({ ...at, kind: 'table', name: TABLE }), clients, fakeClock())).toEqual({ removed: [], left: [] });
    expect(dynamodb.commandCalls(DeleteTableCommand)).toHaveLength(0);
  });
});

describe('sweep: final snapshots', () => {
  const FINAL = 'integ-ab12cd-stage4-replicateddata-snapshot-datatierclusterf1a2b3c4-1mq8lbl0k2zxc';
  const clusterSnapshot = (DBClusterSnapshotIdentifier: string, DBClusterIdentifier: string) => ({
    DBClusterSnapshotIdentifier,
    DBClusterIdentifier,
    DBClusterSnapshotArn: `arn:aws:rds:eu-west-1:210987654321:cluster-snapshot:${DBClusterSnapshotIdentifier}`,
    SnapshotCreateTime: new Date('2025-06-01T11:00:00Z'),
    Engine: 'aurora-postgresql',
    EngineVersion: '17.4',
    Status: 'available',
    SnapshotType: 'manual',
    StorageEncrypted: true,
    PercentProgress: 100,
  });

  test("GIVEN the cluster's final snapshot WHEN swept THEN it is found by the cluster's id among manual snapshots and deleted, and no other", async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({
      // The filter is the service's; a snapshot of another cluster in the answer is still not deleted.
      DBClusterSnapshots: [clusterSnapshot(FINAL, CLUSTER), clusterSnapshot('stage3-final', 'zero-to-millions-stage3')],
    });
    rds.on(DeleteDBClusterSnapshotCommand).resolves({});

    const report = await sweep(inventoryOf({ ...at, kind: 'cluster-snapshots', cluster: CLUSTER }), clients, fakeClock());

    expect(rds.commandCalls(DescribeDBClusterSnapshotsCommand)[0].args[0].input).toEqual({
      SnapshotType: 'manual',
      Filters: [{ Name: 'db-cluster-id', Values: [CLUSTER] }],
      Marker: undefined,
    });
    expect(rds.commandCalls(DeleteDBClusterSnapshotCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterSnapshotIdentifier: FINAL }]);
    expect(report).toEqual({ removed: [`final snapshot ${FINAL} of Aurora cluster ${CLUSTER}`], left: [] });
  });

  test("GIVEN an instance's final snapshot still being taken WHEN swept THEN it is waited for until available, then deleted", async () => {
    const INSTANCE = 'integ-ab12cd-stage2-separatedata-datatierdatabase1a2b3c4d-9x8y7z6w5v4u';
    const snapshot = (Status: string) => ({
      DBSnapshotIdentifier: `${INSTANCE}-final`,
      DBInstanceIdentifier: INSTANCE,
      SnapshotType: 'manual',
      Engine: 'postgres',
      Status,
    });
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: `${INSTANCE}-final` })
      .resolvesOnce({ DBSnapshots: [snapshot('creating')] })
      .resolves({ DBSnapshots: [snapshot('available')] });
    rds.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual', Filters: [{ Name: 'db-instance-id', Values: [INSTANCE] }] }).resolves({
      DBSnapshots: [snapshot('creating')],
    });
    rds.on(DeleteDBSnapshotCommand).resolves({});
    const clock = fakeClock();

    const report = await sweep(inventoryOf({ ...at, kind: 'instance-snapshots', instance: INSTANCE }), clients, clock);

    expect(clock.t).toBe(30_000);
    expect(rds.commandCalls(DeleteDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([{ DBSnapshotIdentifier: `${INSTANCE}-final` }]);
    expect(report.removed).toEqual([`final snapshot ${INSTANCE}-final of DB instance ${INSTANCE}`]);
  });

  test('GIVEN snapshots that cannot be listed WHEN swept THEN the leftover command lists and deletes them all', async () => {
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .rejects(awsError('AccessDenied', 'not authorized to perform: rds:DescribeDBClusterSnapshots'));

    const { left } = await sweep(inventoryOf({ ...at, kind: 'cluster-snapshots', cluster: CLUSTER }), clients, fakeClock());

    expect(left).toEqual([
      {
        what: `final snapshots of Aurora cluster ${CLUSTER}`,
        region: REGION,
        why: 'AccessDenied: not authorized to perform: rds:DescribeDBClusterSnapshots',
        command: `for s in $(aws rds describe-db-cluster-snapshots --snapshot-type manual --filters Name=db-cluster-id,Values=${CLUSTER} --query 'DBClusterSnapshots[].DBClusterSnapshotIdentifier' --output text --region ${REGION}); do aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier "$s" --region ${REGION}; done`,
      },
    ]);
  });
});

describe('sweep: log groups and secrets', () => {
  const LOG_GROUP = '/aws/lambda/Integ-ab12cd-Stage4-Repli-VerifyFunction-AbC123dEf456';

  test('GIVEN the log group Lambda made, in two inventories of the stack WHEN swept THEN it is deleted once; one already gone is not reported', async () => {
    logs.on(DeleteLogGroupCommand, { logGroupName: LOG_GROUP }).resolves({});
    logs
      .on(DeleteLogGroupCommand, { logGroupName: '/aws/lambda/gone' })
      .rejects(awsError('ResourceNotFoundException', 'The specified log group does not exist.'));
    const first = inventoryOf({ ...at, kind: 'log-group', name: LOG_GROUP });
    const second = inventoryOf({ ...at, kind: 'log-group', name: LOG_GROUP }, { ...at, kind: 'log-group', name: '/aws/lambda/gone' });

    const report = await sweep([first, second], clients, fakeClock());

    expect(logs.commandCalls(DeleteLogGroupCommand)).toHaveLength(2);
    expect(report).toEqual({ removed: [`log group ${LOG_GROUP}`], left: [] });
  });

  test('GIVEN a secret scheduled for deletion, and one already gone WHEN swept THEN the first is deleted without recovery, the second not claimed', async () => {
    const GONE = 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:CacheTierCredentials-Xy12Ab';
    secrets
      .on(DescribeSecretCommand, { SecretId: MANAGED_SECRET })
      .resolves({ ARN: MANAGED_SECRET, Name: 'rds!cluster-3f1c9a2e', DeletedDate: new Date('2025-06-01T11:00:00Z') })
      .on(DescribeSecretCommand, { SecretId: GONE })
      .rejects(awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."));
    secrets.on(DeleteSecretCommand).resolves({ ARN: MANAGED_SECRET, DeletionDate: new Date('2025-06-01T11:05:00Z') });

    const report = await sweep(
      inventoryOf({ ...at, kind: 'secret', arn: MANAGED_SECRET }, { ...at, kind: 'secret', arn: GONE }),
      clients,
      fakeClock(),
    );

    expect(secrets.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: MANAGED_SECRET, ForceDeleteWithoutRecovery: true },
    ]);
    expect(report.removed).toEqual([`secret ${MANAGED_SECRET} (it was scheduled for deletion: deleted now, without recovery)`]);
  });

  test("GIVEN a secret that cannot be deleted WHEN swept THEN its command quotes the ARN, whose '!' an interactive shell would expand", async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN: MANAGED_SECRET });
    secrets.on(DeleteSecretCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: secretsmanager:DeleteSecret'));

    const { left } = await sweep(inventoryOf({ ...at, kind: 'secret', arn: MANAGED_SECRET }), clients, fakeClock());

    expect(left.map((l) => l.command)).toEqual([
      `aws secretsmanager delete-secret --secret-id '${MANAGED_SECRET}' --force-delete-without-recovery --region ${REGION}`,
    ]);
  });
});
