import { Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct, IConstruct } from 'constructs';
import { type Config, placeholdersIn, STAGES, type StageNumber } from '../config';
import { ApiRecord } from '../constructs/api-record';
import { type DataTier, NoSqlDataTier, RelationalDataTier } from '../constructs/data-tier';
import { DeploymentVerification } from '../constructs/deployment-verification';
import { PublicLoadBalancer } from '../constructs/public-load-balancer';
import { ReplicatedDataTier } from '../constructs/replicated-data-tier';
import { HEALTH_CHECK_PATH, READINESS_PATH, type WebAppProps } from '../constructs/web-app';
import { AutoScalingWebTier, FargateWebTier, type WebTier } from '../constructs/web-tier';
import { CONFIGURATION_METADATA, STAGE_METADATA } from '../template';

/** The warning a stack carries while the configuration holds placeholders (acknowledge it with `Annotation::<this>`). */
export const PLACEHOLDER_WARNING = 'zero-to-millions:placeholder-configuration';

/**
 * What every stage stack shares: its name, its environment (always explicit, so synth never asks
 * AWS), its tags, the imported hosted zone, and the weighted record it publishes the API under.
 */
export abstract class StageStack extends Stack {
  readonly stage: StageNumber;
  readonly config: Config;
  readonly zone: route53.IHostedZone;
  /** The name clients resolve, such as `api.example.com`. */
  readonly apiDomainName: string;

  protected constructor(scope: Construct, stage: StageNumber, config: Config, description: string) {
    const { stackName, title } = STAGES[stage];
    super(scope, stackName, {
      env: { account: config.account, region: config.region },
      description: `zero-to-millions stage ${stage}, ${title.toLowerCase()}: ${description}`,
    });
    this.stage = stage;
    this.config = config;
    this.apiDomainName = `${config.recordName}.${config.domainName}`;

    // The stage and configuration a template was built from travel with it, for the checks and tools that read cdk.out.
    // Without `stages`: which stacks an app builds is no one stack's business, and leaving it out
    // makes a stage's template the same whichever other stages are built with it.
    const { stages: _stages, ...stageConfig } = config;
    this.templateOptions.metadata = { [STAGE_METADATA]: stage, [CONFIGURATION_METADATA]: stageConfig };

    Tags.of(this).add('zero-to-millions:stage', stackName);
    Tags.of(this).add('zero-to-millions:project', 'zero-to-millions');

    // Imported by id and name: a lookup would need credentials at synth.
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.domainName,
    });

    const placeholders = placeholdersIn(config);
    if (placeholders.length > 0) {
      Validations.of(this).addWarning(
        PLACEHOLDER_WARNING,
        `${placeholders.join(', ')} still hold placeholder values: this stack synthesizes but cannot deploy. Set them in cdk.json or with -c.`,
      );
    }
  }

  /**
   * The configured zones. Constructs that ask the stack for its zones would otherwise make synth
   * look them up in the account, which needs credentials.
   */
  override get availabilityZones(): string[] {
    return [...this.config.availabilityZones];
  }

  /** The data tier `dataStore` asks for in stages 2 and 3: one RDS PostgreSQL instance, or a DynamoDB table. */
  protected separateDataTier(vpc: ec2.IVpc): DataTier {
    const c = this.config;
    return c.dataStore === 'rds'
      ? new RelationalDataTier(this, 'RelationalData', {
          vpc,
          instanceType: c.databaseInstanceType,
          storageGiB: c.databaseStorageGiB,
          backupRetentionDays: c.backupRetentionDays,
          deletionProtection: c.deletionProtection,
          poolSize: c.databasePoolSize,
        })
      : this.table();
  }

  /**
   * The data tier `dataStore` asks for from stage 4: an Aurora PostgreSQL cluster with readers in
   * other zones, or the same DynamoDB table as before (DynamoDB replicates it across three zones).
   */
  protected replicatedDataTier(vpc: ec2.IVpc): DataTier {
    const c = this.config;
    return c.dataStore === 'rds'
      ? new ReplicatedDataTier(this, 'ReplicatedData', {
          vpc,
          availabilityZones: c.availabilityZones,
          readReplicas: c.readReplicas,
          minCapacityAcu: c.databaseMinAcu,
          maxCapacityAcu: c.databaseMaxAcu,
          backupRetentionDays: c.backupRetentionDays,
          deletionProtection: c.deletionProtection,
          poolSize: c.databasePoolSize,
          rotationSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          snapshotArn: c.databaseSnapshot,
        })
      : this.table();
  }

  private table(): NoSqlDataTier {
    return new NoSqlDataTier(this, 'NoSqlData', {
      deletionProtection: this.config.deletionProtection,
      existingTableName: this.config.existingTable,
    });
  }

  /**
   * The front of stages 3 and up: an internet-facing load balancer over every zone, the web tier
   * `webTier` asks for behind it, admitted to the data tier, and the API published through it.
   */
  protected serveBehindLoadBalancer(vpc: ec2.IVpc, data: DataTier): { loadBalancer: PublicLoadBalancer; webTier: WebTier } {
    const loadBalancer = new PublicLoadBalancer(this, 'LoadBalancer', {
      vpc,
      https: this.config.https ? { domainName: this.apiDomainName, zone: this.zone } : undefined,
      pauseWrites: this.config.pauseWrites.includes(this.stage),
    });
    const webTier = this.horizontalWebTier(vpc, loadBalancer, this.webApp(data.environment));
    data.allowWebTier(webTier);
    this.publishApi({ loadBalancer }, webTier);
    return { loadBalancer, webTier };
  }

  /** The horizontally scaled web tier `webTier` asks for (stages 3 and up), behind the load balancer. */
  protected horizontalWebTier(vpc: ec2.IVpc, loadBalancer: PublicLoadBalancer, app: WebAppProps): WebTier {
    const c = this.config;
    const scaling = {
      vpc,
      loadBalancer,
      app,
      minCapacity: c.minCapacity,
      maxCapacity: c.maxCapacity,
      desiredCapacity: c.desiredCapacity,
      cpuTargetPercent: c.cpuTargetPercent,
      requestsPerTarget: c.requestsPerTarget,
    };
    return c.webTier === 'ec2'
      ? new AutoScalingWebTier(this, 'AutoScalingWebTier', { ...scaling, instanceType: c.instanceType })
      : new FargateWebTier(this, 'FargateWebTier', { ...scaling, taskCpu: c.taskCpu, taskMemoryMiB: c.taskMemoryMiB });
  }

  /** The web app of this stage, and where its data lives. */
  protected webApp(environment: Record<string, string> = {}): WebAppProps {
    return { stage: this.stackName, environment };
  }

  /**
   * Publishes the API under `<recordName>.<domainName>` with this stage's weight, pointing at the
   * single server's Elastic IP or at the load balancer; with `verifyDeployment`, proves during the
   * deployment that the stage serves through it once `servedBy` exists.
   */
  protected publishApi(
    front: { readonly elasticIp: ec2.CfnEIP } | { readonly loadBalancer: PublicLoadBalancer },
    servedBy: IConstruct,
  ): ApiRecord {
    const viaLoadBalancer = 'loadBalancer' in front;
    const scheme = viaLoadBalancer ? front.loadBalancer.scheme : 'http';
    const record = new ApiRecord(this, 'Api', {
      zone: this.zone,
      recordName: this.config.recordName,
      target: viaLoadBalancer
        ? route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(front.loadBalancer.loadBalancer, { evaluateTargetHealth: true }))
        : route53.RecordTarget.fromIpAddresses(front.elasticIp.ref),
      weight: this.config.weight[`${this.stage}`],
      setIdentifier: this.stackName,
      scheme,
    });

    if (this.config.verifyDeployment) {
      const host = viaLoadBalancer ? front.loadBalancer.loadBalancer.loadBalancerDnsName : front.elasticIp.ref;
      new DeploymentVerification(this, 'Verification', {
        hostedZoneId: this.config.hostedZoneId,
        record,
        target: viaLoadBalancer ? { kind: 'alias', dnsName: host } : { kind: 'ip', address: host },
        healthUrl: `${scheme}://${host}${HEALTH_CHECK_PATH}`,
        readyUrl: `${scheme}://${host}${READINESS_PATH}`,
        // The listeners must exist too, for the health check through the load balancer.
        after: viaLoadBalancer ? [servedBy, front.loadBalancer] : [servedBy],
      });
    }
    return record;
  }
}
