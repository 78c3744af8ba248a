/**
 * Stage 2 — separate data tier.
 *
 * The web server and the data split onto their own resources, so each is sized on its own: one
 * web server with an Elastic IP, and a managed data tier chosen by `dataStore` — PostgreSQL on RDS
 * (the default) in isolated subnets, or an on-demand DynamoDB table. The web server learns where
 * its data lives from its environment; credentials stay in Secrets Manager.
 *
 * The flaw that forces stage 3: the web tier is still one server. Its size is the only knob
 * (vertical scaling has a ceiling), and when it or its zone fails the API is down.
 */
import type { Construct } from 'constructs';
import type { Config } from '../config';
import { Network } from '../constructs/network';
import { SingleWebServer } from '../constructs/single-web-server';
import { separateDataTier } from './parts/separate-data-tier';
import { StageStack } from './stage-stack';

export class SeparateDataStage extends StageStack {
  readonly server: SingleWebServer;

  constructor(scope: Construct, config: Config) {
    super(scope, 2, config, `one web server with an Elastic IP and a separate ${config.dataStore} data tier`);

    const network = new Network(this, 'Network', {
      availabilityZones: config.availabilityZones,
      isolatedTier: config.dataStore === 'rds',
    });

    const data = separateDataTier(this, network.vpc);

    this.server = new SingleWebServer(this, 'Server', {
      vpc: network.vpc,
      instanceType: config.instanceType,
      app: this.webApp(data.environment),
      holdsData: false,
      deletionProtection: config.deletionProtection,
    });
    data.allowWebTier(this.server);

    this.publishApi(
      { elasticIp: this.server.elasticIp },
      { construct: this.server, servingPart: this.server.instance },
      data.servingResources,
    );
  }
}
