/**
 * Stage 5 — cache tier and CDN.
 *
 * Stage 4 survives the failure of any one server or database, but every read still reaches the
 * database, and every request still travels to the region. Here a managed cache across zones takes
 * the repeated reads off the database (cache-aside: the service reads it first, fills it on a miss,
 * and carries on without it when it is slow or down), and a CDN takes every request at the edge
 * nearest the client: it serves the static page and items it already holds without reaching the
 * region at all, screens requests with a web application firewall, and reaches the load balancer —
 * now internal, with no path from the internet — through a CloudFront VPC origin.
 *
 * What it still risks: the web servers keep state of their own (sessions in memory), so a client
 * that lands on another server loses it, and each server is one a scale-in or failure can take with
 * its state — the flaw the stateless web tier stage removes.
 */
import type { Construct } from 'constructs';
import type { Config } from '../config';
import type { ManagedCache } from '../constructs/cache-tier';
import type { ContentDelivery } from '../constructs/content-delivery';
import type { LoadBalancer } from '../constructs/load-balancer';
import type { WebTier } from '../constructs/web-tier';
import { serveThroughCdn } from './parts/cdn-front';
import { horizontalNetwork } from './parts/horizontal-network';
import { managedCache } from './parts/managed-cache';
import { replicatedDataTier } from './parts/replicated-data-tier';
import { StageStack } from './stage-stack';

export class CacheAndCdnStage extends StageStack {
  readonly cache: ManagedCache;
  readonly loadBalancer: LoadBalancer;
  readonly webTier: WebTier;
  readonly cdn: ContentDelivery;

  constructor(scope: Construct, config: Config) {
    super(
      scope,
      5,
      config,
      `stage 4 with a managed Valkey cache across zones, and CloudFront with a firewall in front of an internal load balancer`,
    );

    const vpc = horizontalNetwork(this, { database: true, cache: true });
    const data = replicatedDataTier(this, vpc);
    this.cache = managedCache(this, vpc);
    ({ loadBalancer: this.loadBalancer, webTier: this.webTier, cdn: this.cdn } = serveThroughCdn(this, vpc, data, this.cache));
  }
}
