/**
 * Stage 1 — single server.
 *
 * Everything on one machine: the web app, its database (PostgreSQL) and its cache (Redis), on one
 * hardened EC2 instance in a public subnet. Users resolve `api.<domain>` through Route 53 to the
 * instance's Elastic IP and speak HTTP/JSON to it.
 *
 * The flaw that forces stage 2: web traffic and database work compete for the same CPU, memory
 * and disk, so neither can be sized or scaled on its own, and losing the instance loses the data.
 */
import type { Construct } from 'constructs';
import type { Config } from '../config';
import { Network } from '../constructs/network';
import { SingleWebServer } from '../constructs/single-web-server';
import { StageStack } from './stage-stack';

export class SingleServerStage extends StageStack {
  readonly server: SingleWebServer;

  constructor(scope: Construct, config: Config) {
    super(scope, 1, config, 'web app, database and cache on one EC2 instance behind an Elastic IP');

    const network = new Network(this, 'Network', { availabilityZones: config.availabilityZones });

    this.server = new SingleWebServer(this, 'Server', {
      vpc: network.vpc,
      instanceType: config.instanceType,
      app: this.webApp(),
      localDataServices: true,
      holdsData: true,
      deletionProtection: config.deletionProtection,
    });

    this.publishApi({ elasticIp: this.server.elasticIp }, { construct: this.server, servingPart: this.server.instance });
  }
}
