/**
 * Stage 6 — stateless web tier.
 *
 * Stage 5 serves most reads from the edge and the cache, but each web server still keeps sessions
 * in its own memory: a client whose next request reaches another server has lost its session, and
 * a server that is scaled in or fails takes its sessions with it. Here sessions live in a store
 * every server shares — the managed cache, or a DynamoDB table with `dynamodb` — so any server can
 * serve any request, the load balancer pins no client to a server, and no server is special.
 *
 * What that buys: servers are disposable, so most of the web tier runs on Spot capacity (EC2 Spot
 * across several interchangeable instance types with capacity rebalancing, or Fargate Spot) at a
 * fraction of the price; a server taken back with two minutes' notice drains its requests and loses
 * nothing.
 *
 * What it still risks: everything is in one region. A regional outage takes the whole stage down —
 * the flaw the multi-region (data centers) stage removes.
 */
import type { Construct } from 'constructs';
import type { Config } from '../config';
import type { ManagedCache } from '../constructs/cache-tier';
import type { ContentDelivery } from '../constructs/content-delivery';
import type { LoadBalancer } from '../constructs/load-balancer';
import type { SessionStore } from '../constructs/session-store';
import type { WebTier } from '../constructs/web-tier';
import { serveThroughCdn } from './parts/cdn-front';
import { horizontalNetwork } from './parts/horizontal-network';
import { managedCache } from './parts/managed-cache';
import { replicatedDataTier } from './parts/replicated-data-tier';
import { sharedSessions } from './parts/shared-sessions';
import { StageStack } from './stage-stack';

export class StatelessStage extends StageStack {
  readonly cache: ManagedCache;
  readonly sessions: SessionStore;
  readonly loadBalancer: LoadBalancer;
  readonly webTier: WebTier;
  readonly cdn: ContentDelivery;

  constructor(scope: Construct, config: Config) {
    super(
      scope,
      6,
      config,
      `stage 5 with sessions in ${config.dataStore === 'rds' ? 'the managed cache' : 'a DynamoDB table'} and ${config.spotPercentage} % of the web tier above ${config.onDemandBase} on-demand server(s) on Spot`,
    );

    const vpc = horizontalNetwork(this, { database: true, cache: true });
    const data = replicatedDataTier(this, vpc);
    this.cache = managedCache(this, vpc);
    this.sessions = sharedSessions(this, this.cache);
    ({
      loadBalancer: this.loadBalancer,
      webTier: this.webTier,
      cdn: this.cdn,
    } = serveThroughCdn(this, vpc, data, this.cache, this.sessions));
  }
}
