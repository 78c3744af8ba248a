import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NatProviderKind } from '../config/schema';
import { NatInstances } from './nat-instances';

/** The address range of every stage's VPC. */
const VPC_CIDR = '10.0.0.0/16';

/** How the private tier reaches the internet. */
export interface NatProps {
  /** `gateway`: managed NAT gateways; `instance`: NAT instances ({@link NatInstances}). */
  readonly provider: NatProviderKind;
  /** How many, each in the public subnet of its own zone: one per zone keeps each zone's egress in its zone. */
  readonly count: number;
  /**
   * With `instance`: each NAT instance's type.
   *
   * @default 't4g.nano'
   */
  readonly instanceType?: string;
}

export interface NetworkProps {
  /**
   * The zones the network spans, named explicitly so that synth never asks AWS for them.
   */
  readonly availabilityZones: readonly string[];

  /**
   * A private tier with egress through NAT, for a web tier that should not be reachable from the
   * internet.
   *
   * @default - no private tier: no NAT gateway or instance is created
   */
  readonly privateTier?: { readonly nat: NatProps };

  /**
   * An isolated tier with no route to the internet at all, for a database.
   *
   * @default false
   */
  readonly isolatedTier?: boolean;
}

/**
 * Zones are named in the configuration on purpose: looking them up would make synth need AWS
 * credentials. Resources placed in a zone (subnets, a single instance) carry this acknowledgement.
 */
export const HARD_CODED_ZONES = {
  id: 'CloudFormation-Validate::W3010',
  reason:
    'Availability zones come from the availabilityZones configuration key so that synth never calls AWS; the README tells a user to set the zone names of their account.',
};

/**
 * The VPC of one stage: public subnets always; a private tier behind NAT (gateways or instances)
 * and an isolated tier only when the stage has something to put there, so an early stage pays for
 * no NAT.
 *
 * Secure defaults: the default security group admits nothing, flow logs record rejected and
 * accepted traffic for a month, and S3 and DynamoDB are reached through (free) gateway endpoints
 * rather than across NAT.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** The NAT instances, when the private tier's NAT is `instance`. */
  readonly natInstances?: NatInstances;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);

    const subnetConfiguration: ec2.SubnetConfiguration[] = [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }];
    if (props.privateTier) subnetConfiguration.push({ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 });
    if (props.isolatedTier) subnetConfiguration.push({ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 });

    const nat = props.privateTier?.nat;
    const natInstanceType = nat?.instanceType ?? 't4g.nano';
    const natInstances = nat?.provider === 'instance' ? NatInstances.provider(natInstanceType) : undefined;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      availabilityZones: [...props.availabilityZones],
      natGateways: nat?.count ?? 0,
      natGatewayProvider: natInstances,
      subnetConfiguration,
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });

    Validations.of(this.vpc).acknowledge(HARD_CODED_ZONES);
    if (natInstances) {
      this.natInstances = new NatInstances(this, 'NatInstances', {
        vpc: this.vpc,
        provider: natInstances,
        instanceType: natInstanceType,
        vpcCidr: VPC_CIDR,
      });
      for (const instance of this.natInstances.instances) Validations.of(instance).acknowledge(HARD_CODED_ZONES);
    }

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
      maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.TEN_MINUTES,
    });
  }
}
