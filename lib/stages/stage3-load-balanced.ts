/**
 * Stage 3 — load balancer and horizontal scaling.
 *
 * A bigger instance has a ceiling and no failover. Here an internet-facing Application Load
 * Balancer spans at least two zones, and behind it a web tier in private subnets — an Auto
 * Scaling group (`ec2`) or an ECS Fargate service (`ecs`) — grows and shrinks with load and
 * replaces what fails its health check. With `https`, the load balancer terminates TLS with an
 * ACM certificate and redirects HTTP. The data tier is stage 2's.
 *
 * What it still risks: the database is one instance in one zone (RDS), and every read goes to
 * it — the flaws the replication and cache stages remove.
 */
import type { Construct } from 'constructs';
import type { Config } from '../config';
import type { LoadBalancer } from '../constructs/load-balancer';
import type { WebTier } from '../constructs/web-tier';
import { horizontalNetwork } from './parts/horizontal-network';
import { serveBehindLoadBalancer } from './parts/load-balanced-front';
import { separateDataTier } from './parts/separate-data-tier';
import { StageStack } from './stage-stack';

export class LoadBalancedStage extends StageStack {
  readonly loadBalancer: LoadBalancer;
  readonly webTier: WebTier;

  constructor(scope: Construct, config: Config) {
    super(
      scope,
      3,
      config,
      `an Application Load Balancer in front of an auto-scaling ${config.webTier} web tier and a ${config.dataStore} data tier`,
    );

    const vpc = horizontalNetwork(this, { database: true });
    const data = separateDataTier(this, vpc);
    ({ loadBalancer: this.loadBalancer, webTier: this.webTier } = serveBehindLoadBalancer(this, vpc, data));
  }
}
