/**
 * Where sessions live once the web tier holds no state (stage 6): in a store every server shares,
 * so any server can serve any request and losing one loses no session. The managed cache (with
 * `rds`), or a DynamoDB table that expires sessions by itself (with `dynamodb`). Until stage 6 the
 * service keeps sessions in each process's memory, which is the flaw this removes.
 */
import { type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SESSION_TTL_ATTRIBUTE, TABLE_PARTITION_KEY } from '../data-contract';
import type { ManagedCache } from './cache-tier';
import type { WebTierIdentity } from './data-tier';

export interface SessionStore {
  readonly kind: 'cache' | 'dynamodb';
  /** What the service is told: `SESSION_STORE`, the session lifetime, and the table when there is one. */
  readonly environment: Record<string, string>;
  allowWebTier(webTier: WebTierIdentity): void;
}

/** Sessions in the managed cache, under their own key prefix, expiring by the cache's TTL. */
export class CacheSessions implements SessionStore {
  readonly kind = 'cache' as const;
  readonly environment: Record<string, string>;

  constructor(
    private readonly cache: ManagedCache,
    ttl: Duration,
  ) {
    this.environment = { SESSION_STORE: 'cache', SESSION_TTL_SECONDS: String(ttl.toSeconds()) };
  }

  allowWebTier(webTier: WebTierIdentity): void {
    // The cache's own grant: its port and its credentials (the app user may use the session: prefix).
    this.cache.allowWebTier(webTier);
  }
}

export interface TableSessionsProps {
  /** How long a session lives after it was last used. */
  readonly ttl: Duration;
}

/**
 * Sessions in a DynamoDB table of their own: on demand, encrypted, and expired by DynamoDB's TTL on
 * `expiresAt`, so nothing has to sweep them. The service still checks the expiry itself on read
 * (DynamoDB deletes expired items within days, not at once). Sessions are not the business's data:
 * the table is not backed up or kept when the stage goes, and a restore would only revive logins
 * that had ended.
 */
export class TableSessions extends Construct implements SessionStore {
  readonly kind = 'dynamodb' as const;
  readonly table: dynamodb.Table;
  readonly environment: Record<string, string>;

  /** The calls the service makes on sessions; no scans, no queries. */
  static readonly WEB_TIER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

  constructor(scope: Construct, id: string, props: TableSessionsProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: SESSION_TTL_ATTRIBUTE,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'Sessions expire within hours and are not business data: point-in-time recovery would only bring back logins that had ended.',
    });
    this.environment = {
      SESSION_STORE: 'dynamodb',
      SESSION_TABLE: this.table.tableName,
      SESSION_TTL_SECONDS: String(props.ttl.toSeconds()),
      AWS_REGION: Stack.of(this).region,
    };
  }

  allowWebTier(webTier: WebTierIdentity): void {
    webTier.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: TableSessions.WEB_TIER_ACTIONS, resources: [this.table.tableArn] }),
    );
  }
}
