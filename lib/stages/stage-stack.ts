import { CfnOutput, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct, IConstruct } from 'constructs';
import { type Config, placeholdersIn, STAGES, type StageNumber } from '../config';
import { natProviderOf } from '../config/schema';
import { ApiRecord } from '../constructs/api-record';
import { type CacheTier, ManagedCache } from '../constructs/cache-tier';
import { ContentDelivery, edgeAccessLogs } from '../constructs/content-delivery';
import { type DataTier, NoSqlDataTier, RelationalDataTier } from '../constructs/data-tier';
import { DeploymentVerification, type VerifiedTarget } from '../constructs/deployment-verification';
import { EDGE_REGION, EdgeProtection, type EdgeProtectionProps } from '../constructs/edge-protection';
import { LoadBalancer } from '../constructs/load-balancer';
import { Network } from '../constructs/network';
import { OwnNameRecord } from '../constructs/own-name-record';
import type { PublishedName } from '../constructs/published-name';
import { ReplicatedDataTier } from '../constructs/replicated-data-tier';
import { CacheSessions, type SessionStore, TableSessions } from '../constructs/session-store';
import { SingleWebServer } from '../constructs/single-web-server';
import { StaticPage } from '../constructs/static-page';
import { HEALTH_CHECK_PATH, READINESS_PATH, type WebAppProps } from '../constructs/web-app';
import { AutoScalingWebTier, FargateWebTier, type WebTier } from '../constructs/web-tier';
import { CONFIGURATION_METADATA, STAGE_METADATA } from '../template';
import { EdgeStack } from './edge-stack';

/** The logical ids of a CDN stage's own-name records (A, AAAA), as stages 5 and 6 were first deployed with them. */
export const OWN_NAME_LOGICAL_IDS = { A: 'OwnNameRecord1AF421F4', AAAA: 'OwnNameIpv6Record753C2E53' } as const;

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
  /** Stacks this stage deploys with, in other regions: the edge's us-east-1 stack, when the stage is elsewhere. */
  readonly companions: Stack[] = [];

  protected constructor(scope: Construct, stage: StageNumber, config: Config, description: string) {
    const { stackName, title } = STAGES[stage];
    super(scope, stackName, {
      env: { account: config.account, region: config.region },
      description: `zero-to-millions stage ${stage}, ${title.toLowerCase()}: ${description}`,
      // From stage 5 the edge's certificate and firewall live in us-east-1; read across regions when the stage is elsewhere.
      crossRegionReferences: stage >= 5 && config.region !== EDGE_REGION,
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

  /**
   * The network of a load-balanced stage (3 and up): public subnets for the load balancer and NAT,
   * private ones for the web tier behind the NAT this stage's `natProvider` asks for, and isolated
   * ones when something lives there (the database with `rds`, the managed cache).
   */
  protected horizontalNetwork(isolated: { readonly database?: boolean; readonly cache?: boolean }): ec2.IVpc {
    const c = this.config;
    return new Network(this, 'Network', {
      availabilityZones: c.availabilityZones,
      privateTier: { nat: { provider: natProviderOf(c, this.stage), count: c.natCount, instanceType: c.natInstanceType } },
      isolatedTier: (isolated.database === true && c.dataStore === 'rds') || isolated.cache === true,
    }).vpc;
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
   * The front of stages 3 and 4: an internet-facing load balancer over every zone, the web tier
   * `webTier` asks for behind it, admitted to the data tier, and the API published through it.
   */
  protected serveBehindLoadBalancer(vpc: ec2.IVpc, data: DataTier): { loadBalancer: LoadBalancer; webTier: WebTier } {
    const loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc,
      https: this.config.https ? { domainName: this.apiDomainName, zone: this.zone } : undefined,
      pauseWrites: this.config.pauseWrites.includes(this.stage),
    });
    const webTier = this.webTierUsing(vpc, loadBalancer, data);
    this.publishApi({ loadBalancer }, webTier, data.servingResources);
    return { loadBalancer, webTier };
  }

  /**
   * The front from stage 5: the CDN. CloudFront takes every request at the edge, behind the
   * firewall, and reaches an internal load balancer through a VPC origin; the web tier behind it
   * uses the cache tier before the data tier. The API is published through the CDN.
   */
  protected serveThroughCdn(
    vpc: ec2.IVpc,
    data: DataTier,
    cache: CacheTier,
    sessions?: SessionStore,
  ): { loadBalancer: LoadBalancer; webTier: WebTier; cdn: ContentDelivery } {
    const c = this.config;
    // Over HTTPS, CloudFront needs a name for the load balancer that its certificate covers: this one resolves to it.
    const originDomainName = `stage${this.stage}-origin.${this.apiDomainName}`;
    const loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc,
      reach: 'cdn',
      https: c.https ? { domainName: this.apiDomainName, alternativeNames: [originDomainName], zone: this.zone } : undefined,
      pauseWrites: c.pauseWrites.includes(this.stage),
    });
    if (c.https) {
      new route53.ARecord(this, 'OriginRecord', {
        zone: this.zone,
        recordName: originDomainName,
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer.loadBalancer)),
        comment: `zero-to-millions ${this.stackName}: the internal load balancer, as CloudFront names it (private addresses)`,
      });
    }
    // The stage's own name is always on its distribution; the API name only while this stage carries it (weight above 0).
    const ownName = `stage${this.stage}.${this.apiDomainName}`;
    // Behind CloudFront the service sees the load balancer's name as Host, so a browser that sends no
    // Sec-Fetch-Site is told from another site by its Origin: the page's names. Both, whatever the
    // weights: the environment should not change (and replace the servers) when a weight does.
    const pageOrigins = { TRUSTED_ORIGINS: [this.apiDomainName, ownName].map((name) => `https://${name}`).join(',') };
    const webTier = this.webTierUsing(vpc, loadBalancer, data, cache, sessions, pageOrigins);

    const carriesApi = c.weight[`${this.stage}`] > 0;
    const edge = this.edgeProtection({
      domainName: this.apiDomainName,
      alternativeNames: [ownName],
      zone: this.zone,
      mode: c.wafMode,
      rateLimit: c.wafRateLimit,
    });
    const accessLogs = edgeAccessLogs(this, 'EdgeAccessLogs');
    const cdn = new ContentDelivery(this, 'Cdn', {
      domainNames: carriesApi ? [this.apiDomainName, ownName] : [ownName],
      certificate: edge.certificate,
      webAclArn: edge.webAcl.attrArn,
      loadBalancer,
      originDomainName: c.https ? originDomainName : undefined,
      page: new StaticPage(this, 'Page', { accessLogs }),
      priceClass: c.priceClass,
      accessLogs,
    });
    const own = new OwnNameRecord(this, 'OwnName', {
      zone: this.zone,
      domainName: ownName,
      distribution: cdn.distribution,
      comment: `zero-to-millions ${this.stackName}: its own name, whichever stage carries ${this.apiDomainName}`,
    });
    // The logical ids the records had before they were a construct of their own: under a new id,
    // CloudFormation would create the record before deleting the old one, and Route 53 refuses to
    // create a record that exists ("Tried to create resource record set ... but it already exists").
    (own.record.node.defaultChild as route53.CfnRecordSet).overrideLogicalId(OWN_NAME_LOGICAL_IDS.A);
    (own.ipv6Record.node.defaultChild as route53.CfnRecordSet).overrideLogicalId(OWN_NAME_LOGICAL_IDS.AAAA);
    this.publishApi({ distribution: cdn.distribution, ownName: own, carriesApi }, webTier, [loadBalancer, ...data.servingResources]);
    return { loadBalancer, webTier, cdn };
  }

  /** The managed cache tier of stages 5 and up, in the isolated subnets. */
  protected managedCache(vpc: ec2.IVpc): ManagedCache {
    return new ManagedCache(this, 'Cache', {
      vpc,
      maxDataGiB: this.config.cacheMaxGiB,
      maxEcpuPerSecond: this.config.cacheMaxEcpuPerSecond,
    });
  }

  /**
   * The certificate and firewall CloudFront needs, from us-east-1: in this stack when it is there,
   * otherwise in a companion stack there (`<stack>-Edge`), which `cdk deploy` of this stage deploys first.
   */
  private edgeProtection(props: EdgeProtectionProps): EdgeProtection {
    if (this.region === EDGE_REGION) return new EdgeProtection(this, 'Edge', props);
    const edgeStack = new EdgeStack(this.node.scope as Construct, this, props);
    this.addStackDependency(edgeStack, 'the certificate and web ACL of the CDN live in us-east-1');
    this.companions.push(edgeStack);
    return edgeStack.protection;
  }

  /**
   * The web tier behind a load balancer, admitted to its data and cache tiers and its session store;
   * `front` is what the service is told of what stands before it (the CDN's page origins).
   */
  private webTierUsing(
    vpc: ec2.IVpc,
    loadBalancer: LoadBalancer,
    data: DataTier,
    cache?: CacheTier,
    sessions?: SessionStore,
    front: Record<string, string> = {},
  ): WebTier {
    const app = this.webApp({ ...data.environment, ...cache?.environment, ...sessions?.environment, ...front });
    const webTier = this.horizontalWebTier(vpc, loadBalancer, app);
    data.allowWebTier(webTier);
    cache?.allowWebTier(webTier);
    sessions?.allowWebTier(webTier);
    return webTier;
  }

  /**
   * Where sessions live once the web tier is stateless (stage 6 and up): the managed cache with
   * `rds`, a DynamoDB table of their own with `dynamodb`.
   */
  protected sharedSessions(cache: ManagedCache): SessionStore {
    const ttl = Duration.hours(this.config.sessionTtlHours);
    return this.config.dataStore === 'rds' ? new CacheSessions(cache, ttl) : new TableSessions(this, 'Sessions', { ttl });
  }

  /** The horizontally scaled web tier `webTier` asks for (stages 3 and up), behind the load balancer. */
  protected horizontalWebTier(vpc: ec2.IVpc, loadBalancer: LoadBalancer, app: WebAppProps): WebTier {
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
      // Only a tier that holds no state may run on capacity that can be taken back (stage 6 and up).
      spot: this.stage >= 6 ? { onDemandBase: c.onDemandBase, spotPercentage: c.spotPercentage } : undefined,
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
   * single server's Elastic IP, the load balancer or the CDN, and says where in the stack's outputs;
   * with `verifyDeployment`, proves during the deployment that the stage serves through it once
   * `servedBy` and `after` (the data tier's serving resources, what else the front needs) exist,
   * and again on every deployment that changes what serves: the server or the web tier's launch
   * template or task definition, and the distribution.
   *
   * A CDN stage that does not carry the API name (weight 0) publishes no record of it: a record
   * aliasing a distribution must have a name the distribution carries, and CloudFront routes a
   * request by the name it asks for, so such a record could never be served. It is reached, and
   * verified, by its own name.
   */
  protected publishApi(
    front:
      | { readonly elasticIp: ec2.CfnEIP }
      | { readonly loadBalancer: LoadBalancer }
      | { readonly distribution: cloudfront.Distribution; readonly ownName: OwnNameRecord; readonly carriesApi: boolean },
    servedBy: SingleWebServer | WebTier,
    after: readonly IConstruct[] = [],
  ): PublishedName {
    let target: route53.RecordTarget;
    let verified: VerifiedTarget;
    let scheme: 'http' | 'https';
    // The name the verification asks the target for: the public name, or a CDN stage's own (which its distribution always carries).
    let hostName = this.apiDomainName;
    // A CDN stage that does not carry the API name: what it publishes is its own name.
    let ownNameOnly: OwnNameRecord | undefined;
    if ('elasticIp' in front) {
      target = route53.RecordTarget.fromIpAddresses(front.elasticIp.ref);
      verified = { kind: 'ip', address: front.elasticIp.ref };
      scheme = 'http';
    } else if ('loadBalancer' in front) {
      target = route53.RecordTarget.fromAlias(
        new targets.LoadBalancerTarget(front.loadBalancer.loadBalancer, { evaluateTargetHealth: true }),
      );
      verified = {
        kind: 'alias',
        dnsName: front.loadBalancer.loadBalancer.loadBalancerDnsName,
        hostedZoneId: front.loadBalancer.loadBalancer.loadBalancerCanonicalHostedZoneId,
      };
      scheme = front.loadBalancer.scheme;
      // The listeners must exist too, for the health check through the load balancer.
      after = [...after, front.loadBalancer];
    } else {
      target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(front.distribution));
      verified = {
        kind: 'cdn',
        dnsName: front.distribution.distributionDomainName,
        hostedZoneId: targets.CloudFrontTarget.getHostedZoneId(this),
      };
      scheme = 'https';
      hostName = front.ownName.domainName;
      after = [...after, front.distribution];
      if (!front.carriesApi) ownNameOnly = front.ownName;
    }
    const published: PublishedName =
      ownNameOnly ??
      new ApiRecord(this, 'Api', {
        zone: this.zone,
        recordName: this.config.recordName,
        target,
        // A distribution answers IPv6 too (stages 3 and 4's load balancers are IPv4 only).
        ipv6: verified.kind === 'cdn',
        weight: this.config.weight[`${this.stage}`],
        setIdentifier: this.stackName,
        scheme,
      });

    // Plain output names, so `cdk deploy` prints `Stage1-SingleServer.Url = ...`.
    new CfnOutput(this, 'Url', { value: published.url, description: 'Where the API of this stage answers' }).overrideLogicalId('Url');
    new CfnOutput(this, 'RecordOutput', {
      value: ownNameOnly
        ? `${published.description}; at weight 0 this stage does not carry ${this.apiDomainName}, and publishes no record of it`
        : published.description,
      description: 'The Route 53 records this stage owns',
    }).overrideLogicalId('Record');

    if (this.config.verifyDeployment) {
      const host = verified.kind === 'ip' ? verified.address : verified.dnsName;
      new DeploymentVerification(this, 'Verification', {
        hostedZoneId: this.config.hostedZoneId,
        records: published,
        target: verified,
        healthUrl: `${scheme}://${host}${HEALTH_CHECK_PATH}`,
        readyUrl: `${scheme}://${host}${READINESS_PATH}`,
        hostName,
        after: [servedBy, ...after],
        serving: [servingPartOf(servedBy), ...('distribution' in front ? [front.distribution] : [])],
      });
    }
    return published;
  }
}

/** What of the server or web tier changes with what it serves: the instance, the launch template, the task definition. */
function servingPartOf(servedBy: SingleWebServer | WebTier): IConstruct {
  if (servedBy instanceof SingleWebServer) return servedBy.instance;
  if (servedBy instanceof AutoScalingWebTier) return servedBy.launchTemplate;
  if (servedBy instanceof FargateWebTier) return servedBy.service.taskDefinition;
  throw new Error(`${servedBy.node.path}: a web tier of kind ${servedBy.kind} has no serving part the deployment verification knows`);
}
