import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct } from 'constructs';
import { DATABASE_NAME, DATABASE_PORT, MASTER_USER, POSTGRES_VERSION } from '../data-contract';
import type { DataTier, WebTierIdentity } from './data-tier';
import { HARD_CODED_ZONES } from './network';

/** Aurora PostgreSQL of the version stages 2 and 3's RDS PostgreSQL runs, so their snapshots restore. */
export const AURORA_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.of(
  `${POSTGRES_VERSION.major}.${POSTGRES_VERSION.minor}`,
  String(POSTGRES_VERSION.major),
);

export interface ReplicatedDataTierProps {
  readonly vpc: ec2.IVpc;
  /**
   * The zones of the VPC, in order: the writer goes in the first, the readers in the others, in
   * turn, so that no reader shares the writer's zone.
   */
  readonly availabilityZones: readonly string[];
  /** Aurora readers beside the writer: the reader endpoint's instances, and the failover targets. At least 1. */
  readonly readReplicas: number;
  /** The Serverless v2 capacity range of every instance, in ACUs. */
  readonly minCapacityAcu: number;
  readonly maxCapacityAcu: number;
  /** Days of automated backups (the point-in-time recovery window). */
  readonly backupRetentionDays: number;
  /** Protect the cluster from deletion; a final snapshot is kept either way. */
  readonly deletionProtection: boolean;
  /** Connections each web server keeps to each endpoint, which the service is told. */
  readonly poolSize: number;
  /**
   * A snapshot of an RDS PostgreSQL instance (stage 2's or 3's) or an Aurora cluster to create the
   * cluster from, by ARN. It must stay the same for the life of the cluster: CloudFormation replaces
   * a cluster whose snapshot changes.
   *
   * @default - an empty database
   */
  readonly snapshotArn?: string;
}

/**
 * The database of stage 4: Aurora PostgreSQL, a writer and `readReplicas` readers, each in another
 * zone than the writer, all Serverless v2 so capacity follows load without a restart. Writes go to
 * the cluster endpoint, reads to the reader endpoint; when the writer fails, Aurora promotes a
 * reader and the cluster endpoint follows it, so no single instance or zone takes the database
 * down. The guarantees of stages 2 and 3 hold: isolated subnets, only the web tier admitted,
 * encrypted, backups, a final snapshot, deletion protection.
 *
 * The master password is RDS's own: RDS generates it into Secrets Manager, rotates it (every 7
 * days) without a rotation function or a network path to do it from, and does the same for a
 * cluster restored from a snapshot, whose old password it replaces. (A password CloudFormation
 * passes to a restored Aurora cluster is not applied: the secret would not open the database.)
 */
export class ReplicatedDataTier extends Construct implements DataTier {
  readonly kind = 'rds' as const;
  readonly cluster: rds.DatabaseCluster | rds.DatabaseClusterFromSnapshot;
  readonly secret: secretsmanager.ISecret;
  readonly environment: Record<string, string>;
  /** The writer and every reader: CloudFormation completes the cluster before any of them exists. */
  readonly servingResources: readonly IConstruct[];

  constructor(scope: Construct, id: string, props: ReplicatedDataTierProps) {
    super(scope, id);
    if (props.readReplicas < 1)
      throw new Error(`readReplicas must be at least 1 so the writer has a failover target, got ${props.readReplicas}`);

    const [writerZone, ...otherZones] = props.availabilityZones;
    const readerZones = otherZones.length > 0 ? otherZones : [writerZone];
    const readers = Array.from({ length: props.readReplicas }, (_, i) =>
      rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, {
        availabilityZone: readerZones[i % readerZones.length],
        // A failover target keeps the writer's capacity, so promotion does not start it cold.
        scaleWithWriter: true,
        caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
        autoMinorVersionUpgrade: true,
      }),
    );
    const common: Omit<rds.DatabaseClusterProps, 'credentials'> = {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_ENGINE_VERSION }),
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        availabilityZone: writerZone,
        caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
        autoMinorVersionUpgrade: true,
      }),
      readers,
      serverlessV2MinCapacity: props.minCapacityAcu,
      serverlessV2MaxCapacity: props.maxCapacityAcu,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      port: DATABASE_PORT,
      storageEncrypted: true,
      iamAuthentication: true,
      backup: { retention: Duration.days(props.backupRetentionDays) },
      copyTagsToSnapshot: true,
      deletionProtection: props.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    };

    this.cluster = props.snapshotArn
      ? // The master user is the snapshot's (stages 2 and 3 name it the same); RDS gives it a new password it manages.
        new rds.DatabaseClusterFromSnapshot(this, 'Cluster', {
          ...common,
          snapshotIdentifier: props.snapshotArn,
          manageMasterUserPassword: true,
        })
      : new rds.DatabaseCluster(this, 'Cluster', {
          ...common,
          credentials: rds.Credentials.fromUsername(MASTER_USER),
          manageMasterUserPassword: true,
          defaultDatabaseName: DATABASE_NAME,
        });
    this.secret = this.cluster.secret!;
    // The cluster makes its instances as children of its own; it exposes their ids, not the resources.
    this.servingResources = this.cluster.node.findAll().filter((c) => c instanceof rds.CfnDBInstance);
    if (this.servingResources.length !== 1 + props.readReplicas)
      throw new Error(
        `ReplicatedDataTier: found ${this.servingResources.length} database instances in the cluster, expected the writer and ${props.readReplicas} reader(s)`,
      );
    if (props.snapshotArn) {
      Validations.of(this.cluster).acknowledge({
        id: 'Annotation::@aws-cdk/aws-rds:generatedCredsNotApplied',
        reason: 'No credentials are generated: RDS manages the master password of the restored cluster (manageMasterUserPassword).',
      });
    }

    this.environment = {
      DATA_STORE: 'rds',
      DB_HOST: this.cluster.clusterEndpoint.hostname,
      DB_READER_HOST: this.cluster.clusterReadEndpoint.hostname,
      DB_PORT: String(DATABASE_PORT),
      DB_NAME: DATABASE_NAME,
      DB_SECRET_ARN: this.secret.secretArn,
      DB_POOL_SIZE: String(props.poolSize),
      AWS_REGION: Stack.of(this).region,
    };

    // Each instance is placed in a configured zone, so the writer and its failover targets are in different ones.
    Validations.of(this.cluster).acknowledge(HARD_CODED_ZONES);
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason: 'The default port is not a control: the cluster is in isolated subnets and admits only the web tier.',
    });
    if (!props.deletionProtection) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason:
          'Deletion protection is off because deletionProtection is false in the configuration (done before destroying the stage); a final snapshot is still kept.',
      });
    }
  }

  allowWebTier(webTier: WebTierIdentity): void {
    this.cluster.connections.allowFrom(webTier, ec2.Port.tcp(DATABASE_PORT), 'PostgreSQL from the web tier');
    this.secret.grantRead(webTier);
  }
}
