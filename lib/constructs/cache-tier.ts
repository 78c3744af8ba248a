/**
 * The cache in front of the data: one idea with two homes. In stage 1 Valkey runs on the web server
 * itself ({@link HostCache}); from stage 5 it is a managed, replicated service across zones
 * ({@link ManagedCache}). Both tell the web app where the cache is in the same way (`CACHE_URL`,
 * plus `CACHE_SECRET_ARN` when it needs credentials), and the service's one client reads both:
 * cache-aside with hard deadlines and a breaker, so a slow or absent cache only costs hit ratio.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CACHE_ACCESS_STRING, CACHE_PORT, CACHE_READER_PORT, CACHE_USER, CACHE_VALKEY_MAJOR } from '../data-contract';
import type { WebTierIdentity } from './data-tier';

/** What a web tier needs to know about its cache, and how it is let in. */
export interface CacheTier {
  /** `host`: on the web server itself; `managed`: a service of its own across zones. */
  readonly kind: 'host' | 'managed';
  /** Where the web app finds the cache: `CACHE_URL`, and the ARN of its credentials. Never a password. */
  readonly environment: Record<string, string>;
  /** Lets one web tier reach the cache: the network path and the credentials, nothing more. */
  allowWebTier(webTier: WebTierIdentity): void;
}

/**
 * Valkey on the web server, listening on the loopback interface only (stage 1): nothing else can
 * reach it, so it needs no password and no TLS, and it fails with the server.
 */
export class HostCache implements CacheTier {
  readonly kind = 'host' as const;
  readonly environment = { CACHE_URL: `redis://127.0.0.1:${CACHE_PORT}` };

  allowWebTier(): void {
    // The loopback interface: there is no network path to open and no credential to grant.
  }
}

export interface ManagedCacheProps {
  readonly vpc: ec2.IVpc;
  /**
   * The subnets the cache's endpoints live in: one per zone it spans (at least two).
   *
   * @default - the isolated subnets
   */
  readonly subnets?: ec2.SubnetSelection;
  /** The most data it may hold, in GB: the ceiling on its storage bill. */
  readonly maxDataGiB: number;
  /** The most ElastiCache Processing Units per second it may use: the ceiling on its request bill. */
  readonly maxEcpuPerSecond: number;
}

/**
 * ElastiCache Serverless for Valkey: replicated across the zones of its subnets with automatic
 * failover, encrypted in transit (TLS only) and at rest, and closed to everyone but the web tier:
 * its security group admits the web tier alone, and every connection must authenticate as the
 * app's user, whose password Secrets Manager generates and CloudFormation passes by reference (the
 * template never holds it). A Valkey user group holds only users that authenticate, so there is no
 * `default` user to switch off.
 *
 * Serverless rather than a replication group: it needs no node type or shard count, scales with
 * load, and at this project's scale costs less (from about $6 a month for the 100 MB it bills at
 * least, against about $19 for the smallest two-node replication group). No stable L2 construct
 * exists in aws-cdk-lib, so this uses the CloudFormation (L1) resources of the pinned aws-cdk-lib.
 */
export class ManagedCache extends Construct implements CacheTier {
  readonly kind = 'managed' as const;
  readonly cache: elasticache.CfnServerlessCache;
  readonly securityGroup: ec2.SecurityGroup;
  /** The app user's name and password, as JSON `{"username", "password"}`. */
  readonly secret: secretsmanager.Secret;
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: ManagedCacheProps) {
    super(scope, id);
    // User, group and cache names are unique per account and region: derive them from the stack.
    const name = Stack.of(this)
      .stackName.toLowerCase()
      .replace(/[^a-z0-9]+/g, '-');

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Managed cache: Valkey from the web tier only',
      allowAllOutbound: false,
    });

    this.secret = new secretsmanager.Secret(this, 'Credentials', {
      description: `The web app's Valkey user of ${Stack.of(this).stackName}`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: CACHE_USER }),
        generateStringKey: 'password',
        passwordLength: 64,
        // ElastiCache passwords are printable ASCII without spaces, ",", '"', "/" or "@".
        excludePunctuation: true,
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'ElastiCache reads a user password from its own resource, not from the secret: rotating the secret alone would lock the service out. Changing it is a deployment (a new secret value and user password together).',
    });

    const appUser = new elasticache.CfnUser(this, 'AppUser', {
      engine: 'valkey',
      userId: `${name}-app`,
      userName: CACHE_USER,
      accessString: CACHE_ACCESS_STRING,
      authenticationMode: { Type: 'password', Passwords: [this.secret.secretValueFromJson('password').unsafeUnwrap()] },
    });
    // A Valkey group holds only users that authenticate (password or IAM), and needs no "default" user.
    const users = new elasticache.CfnUserGroup(this, 'Users', {
      engine: 'valkey',
      userGroupId: `${name}-users`,
      userIds: [appUser.ref],
    });

    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: name,
      description: `Cache tier of ${Stack.of(this).stackName}`,
      engine: 'valkey',
      majorEngineVersion: CACHE_VALKEY_MAJOR,
      subnetIds: props.vpc.selectSubnets(props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      userGroupId: users.ref,
      cacheUsageLimits: {
        dataStorage: { maximum: props.maxDataGiB, unit: 'GB' },
        ecpuPerSecond: { maximum: props.maxEcpuPerSecond },
      },
      // A cache holds nothing the database does not: no snapshots to pay for or restore.
      snapshotRetentionLimit: 0,
    });
    this.cache.applyRemovalPolicy(RemovalPolicy.DESTROY);

    this.environment = {
      CACHE_URL: `rediss://${this.cache.attrEndpointAddress}:${CACHE_PORT}`,
      CACHE_SECRET_ARN: this.secret.secretArn,
    };
  }

  allowWebTier(webTier: WebTierIdentity): void {
    // 6379 is the primary endpoint; 6380 reads from replicas (eventually consistent), both on the same name.
    this.securityGroup.connections.allowFrom(webTier, ec2.Port.tcpRange(CACHE_PORT, CACHE_READER_PORT), 'Valkey from the web tier');
    this.secret.grantRead(webTier);
  }
}
