/**
 * Stage 4 — replicated database.
 *
 * Stage 3 names its remaining single point of failure itself: one database in one zone, taking every
 * read and every write. Here the database is replicated: an Aurora PostgreSQL writer takes the
 * writes, readers in the other zones take the reads through the reader endpoint, and when the
 * writer fails Aurora promotes a reader; the cluster endpoint follows it and the service finds the
 * new writer by itself. Capacity follows load without a restart (Serverless v2). With `dynamodb`
 * nothing changes: DynamoDB already keeps every table in three zones.
 *
 * What it still risks: every read still reaches the database, and every request travels to the
 * region — the flaws the cache and CDN stage removes.
 */
import type { Construct } from 'constructs';
import type { Config } from '../config';
import type { LoadBalancer } from '../constructs/load-balancer';
import type { WebTier } from '../constructs/web-tier';
import { horizontalNetwork } from './parts/horizontal-network';
import { serveBehindLoadBalancer } from './parts/load-balanced-front';
import { replicatedDataTier } from './parts/replicated-data-tier';
import { StageStack } from './stage-stack';

export class ReplicatedDataStage extends StageStack {
  readonly loadBalancer: LoadBalancer;
  readonly webTier: WebTier;

  constructor(scope: Construct, config: Config) {
    super(
      scope,
      4,
      config,
      `stage 3 with a replicated data tier: ${config.dataStore === 'rds' ? `Aurora PostgreSQL, a writer and ${config.readReplicas} reader(s) in other zones` : 'a DynamoDB table, replicated across three zones'}`,
    );

    const vpc = horizontalNetwork(this, { database: true });
    const data = replicatedDataTier(this, vpc);
    ({ loadBalancer: this.loadBalancer, webTier: this.webTier } = serveBehindLoadBalancer(this, vpc, data));
  }
}
