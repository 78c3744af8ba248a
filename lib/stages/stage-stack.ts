import { CfnOutput, Stack, Tags, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct, IConstruct } from 'constructs';
import { type Config, placeholdersIn, STAGES, type StageNumber } from '../config';
import { EDGE_REGION } from '../config/schema';
import { ApiRecord } from '../constructs/api-record';
import { DeploymentVerification, type VerifiedTarget } from '../constructs/deployment-verification';
import type { LoadBalancer } from '../constructs/load-balancer';
import type { OwnNameRecord } from '../constructs/own-name-record';
import type { PublishedName } from '../constructs/published-name';
import { HEALTH_CHECK_PATH, READINESS_PATH, type WebAppProps } from '../constructs/web-app';
import { CONFIGURATION_METADATA, STAGE_METADATA } from '../template';

/**
 * What serves the API behind a stage's front: the server or the web tier, and the part of it that
 * changes with what it serves (the instance, the launch template, the task definition), on whose
 * every change the deployment verification runs again.
 */
export interface ServedBy {
  readonly construct: IConstruct;
  readonly servingPart: IConstruct;
}

/** Where a stage's API is reached: the single server's Elastic IP, the load balancer, or the CDN. */
export type Front =
  | { readonly elasticIp: ec2.CfnEIP }
  | { readonly loadBalancer: LoadBalancer }
  | { readonly distribution: cloudfront.Distribution; readonly ownName: OwnNameRecord; readonly carriesApi: boolean };

/** The warning a stack carries while the configuration holds placeholders (acknowledge it with `Annotation::<this>`). */
export const PLACEHOLDER_WARNING = 'zero-to-millions:placeholder-configuration';

/**
 * What every stage stack shares: its name, its environment (always explicit, so synth never asks
 * AWS), its tags, the imported hosted zone, and the weighted record it publishes the API under.
 * What only some stages have (the load-balanced network, the data tiers, the fronts, the cache, the
 * shared sessions) is in ./parts/, a module each, imported by the stages that use it: a stage's
 * code is then exactly what it builds, and the test suite's template cache, keyed by the modules a
 * build imports, rebuilds after a change to a construct only the stages that use it.
 */
export abstract class StageStack extends Stack {
  readonly stage: StageNumber;
  readonly config: Config;
  readonly zone: route53.IHostedZone;
  /** The name clients resolve, such as `api.example.com`. */
  readonly apiDomainName: string;
  /** Stacks this stage deploys with, in other regions: the edge's us-east-1 stack, when the stage is elsewhere. */
  readonly companions: Stack[] = [];
  /** Where the API is published once `publishApi` ran: the record or own name, and its URL. */
  published?: PublishedName;

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

  /** The web app of this stage, and where its data lives. */
  webApp(environment: Record<string, string> = {}): WebAppProps {
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
  publishApi(front: Front, servedBy: ServedBy, after: readonly IConstruct[] = []): PublishedName {
    const { target, verified, scheme, hostName, needs, ownNameOnly } = this.frontOf(front);
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

    this.published = published;
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
        after: [servedBy.construct, ...after, ...needs],
        serving: [servedBy.servingPart, ...('distribution' in front ? [front.distribution] : [])],
      });
    }
    return published;
  }

  /**
   * What a front gives the record and the verification: the record's target, what the verification
   * compares it with, the scheme, the name it asks the target for (the public name, or a CDN stage's
   * own, which its distribution always carries), what must exist before it runs, and, for a CDN stage
   * that does not carry the API name, the own-name record it publishes instead.
   */
  private frontOf(front: Front): {
    target: route53.RecordTarget;
    verified: VerifiedTarget;
    scheme: 'http' | 'https';
    hostName: string;
    needs: IConstruct[];
    ownNameOnly?: OwnNameRecord;
  } {
    if ('elasticIp' in front) {
      return {
        target: route53.RecordTarget.fromIpAddresses(front.elasticIp.ref),
        verified: { kind: 'ip', address: front.elasticIp.ref },
        scheme: 'http',
        hostName: this.apiDomainName,
        needs: [],
      };
    }
    if ('loadBalancer' in front) {
      const { loadBalancer } = front.loadBalancer;
      return {
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer, { evaluateTargetHealth: true })),
        verified: {
          kind: 'alias',
          dnsName: loadBalancer.loadBalancerDnsName,
          hostedZoneId: loadBalancer.loadBalancerCanonicalHostedZoneId,
        },
        scheme: front.loadBalancer.scheme,
        hostName: this.apiDomainName,
        // The listeners must exist too, for the health check through the load balancer.
        needs: [front.loadBalancer],
      };
    }
    return {
      target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(front.distribution)),
      verified: {
        kind: 'cdn',
        dnsName: front.distribution.distributionDomainName,
        hostedZoneId: targets.CloudFrontTarget.getHostedZoneId(this),
      },
      scheme: 'https',
      hostName: front.ownName.domainName,
      needs: [front.distribution],
      ownNameOnly: front.carriesApi ? undefined : front.ownName,
    };
  }
}
