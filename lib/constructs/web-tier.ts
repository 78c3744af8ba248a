import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import type { WebTierKind } from '../config';
import { interchangeableTypes } from '../config/interchangeable-types';
import type { WebTierIdentity } from './data-tier';
import { hostInstallScript } from './host-install';
import { SIGNAL_TIMEOUT, signalWhenServing } from './host-signal';
import type { LoadBalancer } from './load-balancer';
import {
  CONTAINER_PORT,
  IMAGE_PLATFORMS,
  type TaskArchitecture,
  WebAppBundle,
  type WebAppProps,
  webAppContainerEnvironment,
  webAppContainerImage,
} from './web-app';
import { webHostSettings } from './web-host';

/** A horizontally scaled web tier behind the load balancer, in private subnets. */
export interface WebTier extends WebTierIdentity, IConstruct {
  readonly kind: WebTierKind;
}

/** What every horizontally scaled web tier takes. */
export interface WebTierProps {
  readonly vpc: ec2.IVpc;
  readonly loadBalancer: LoadBalancer;
  readonly app: WebAppProps;
  /** The horizontal knob: the fewest web servers. At least 2, so a zone can fail. */
  readonly minCapacity: number;
  /** The horizontal knob: the most web servers scaling may add. */
  readonly maxCapacity: number;
  /**
   * A fixed size that every deployment resets the tier to.
   *
   * @default - scaling decides, starting at `minCapacity`
   */
  readonly desiredCapacity?: number;
  /** Average CPU utilisation, in percent, that target tracking holds. */
  readonly cpuTargetPercent: number;
  /** Requests per minute per server (ALB RequestCountPerTarget) that target tracking holds. */
  readonly requestsPerTarget: number;
  /**
   * Run part of the tier on Spot capacity: only for a tier that holds no state (stage 6), whose
   * servers can be taken back with two minutes' notice and lose nothing.
   *
   * @default - everything on demand
   */
  readonly spot?: SpotCapacity;
}

/** How a stateless web tier mixes on-demand and Spot capacity. */
export interface SpotCapacity {
  /** Servers that always run on demand, before the percentage applies. */
  readonly onDemandBase: number;
  /** The share of the capacity above the base that runs on Spot, 0 to 100. */
  readonly spotPercentage: number;
}

/** An Auto Scaling group of EC2 instances. */
export interface AutoScalingWebTierProps extends WebTierProps {
  /** Each instance's type, such as `t3.small`. */
  readonly instanceType: string;
}

/** An ECS Fargate service. */
export interface FargateWebTierProps extends WebTierProps {
  /** CPU units of each task (1024 = 1 vCPU). */
  readonly taskCpu: number;
  /** Memory of each task, in MiB. */
  readonly taskMemoryMiB: number;
  /**
   * The CPU architecture the tasks run on; the container image is built for the same one.
   *
   * @default 'X86_64'
   */
  readonly architecture?: TaskArchitecture;
}

/** Makes a web tier start only once its private subnets have their route to the internet (through NAT). */
function afterEgress(tier: IConstruct, vpc: ec2.IVpc): void {
  // CDK adds this for instances, Lambda functions and databases, not for Auto Scaling groups or ECS
  // services: without it, a host could boot before its NAT route exists and fail to signal.
  tier.node.addDependency(vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).internetConnectivityEstablished);
}

function privateSecurityGroup(scope: Construct, vpc: ec2.IVpc): ec2.SecurityGroup {
  return new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc,
    description: 'Web tier: HTTP from the load balancer only; egress for packages, AWS APIs and the data tier',
    allowAllOutbound: true,
  });
}

/**
 * An Auto Scaling group of hardened instances from a launch template. The load balancer's health
 * check (not only EC2's) decides when an instance is replaced; a rolling update replaces instances
 * one at a time when the launch template changes, and each new instance must report that the app
 * serves before the next is replaced. Target tracking scales on CPU and on requests per instance.
 */
export class AutoScalingWebTier extends Construct implements WebTier {
  readonly kind = 'ec2' as const;
  readonly group: autoscaling.AutoScalingGroup;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly connections: ec2.Connections;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: AutoScalingWebTierProps) {
    super(scope, id);

    const settings = webHostSettings(this, props.instanceType);
    const userData = hostInstallScript(this, props.app);
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      ...settings,
      requireImdsv2: true,
      securityGroup: privateSecurityGroup(this, props.vpc),
      userData,
    });

    this.group = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ...(props.spot
        ? {
            // Spot from several interchangeable types (more capacity pools), replaced before it is taken back.
            mixedInstancesPolicy: {
              launchTemplate: this.launchTemplate,
              launchTemplateOverrides: interchangeableTypes(props.instanceType).map((type) => ({
                instanceType: new ec2.InstanceType(type),
              })),
              instancesDistribution: {
                onDemandBaseCapacity: props.spot.onDemandBase,
                onDemandPercentageAboveBaseCapacity: 100 - props.spot.spotPercentage,
                onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
                spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
              },
            },
            capacityRebalance: true,
          }
        : { launchTemplate: this.launchTemplate }),
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      desiredCapacity: props.desiredCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: Duration.minutes(5),
      }),
      defaultInstanceWarmup: Duration.minutes(2),
      signals: autoscaling.Signals.waitForMinCapacity({ timeout: SIGNAL_TIMEOUT }),
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        maxBatchSize: 1,
        // CloudFormation requires fewer instances in service than the maximum during an update.
        minInstancesInService: Math.min(props.minCapacity, props.maxCapacity - 1),
        pauseTime: SIGNAL_TIMEOUT,
      }),
    });
    afterEgress(this.group, props.vpc);
    signalWhenServing(userData, this.group, settings.role);
    WebAppBundle.of(this).grantRead(settings.role);
    if (props.desiredCapacity !== undefined) {
      Validations.of(this.group).acknowledge({
        id: 'Annotation::@aws-cdk/aws-autoscaling:desiredCapacitySet',
        reason: 'desiredCapacity is set in the configuration, whose documentation says every deployment resets the group to it.',
      });
    }
    if (props.spot) {
      Validations.of(this.group).acknowledge({
        id: 'AwsSolutions-EC26',
        reason:
          'The volumes are encrypted in the launch template, which the rule does not follow through a mixed instances policy; invariant ZTM-5 checks the launch template itself.',
      });
    }
    Validations.of(this.group).acknowledge({
      id: 'AwsSolutions-AS3',
      reason:
        'No notification topic: stages 1-6 send no notifications (their only alarms reboot the NAT instances and tell no one; stage 9, logging, metrics and automation, is not built yet); scaling activity is in the group activity history.',
    });

    this.connections = this.group.connections;
    this.grantPrincipal = settings.role;

    props.loadBalancer.addWebTier(this.group);
    this.group.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: props.cpuTargetPercent });
    this.group.scaleOnRequestCount('Requests', { targetRequestsPerMinute: props.requestsPerTarget });
  }
}

/**
 * An ECS Fargate service of the same app, in private subnets behind the same load balancer. A
 * deployment starts new tasks before stopping old ones and rolls back by itself when new tasks
 * never become healthy; service auto scaling tracks CPU and requests per task.
 */
export class FargateWebTier extends Construct implements WebTier {
  readonly kind = 'ecs' as const;
  readonly service: ecs.FargateService;
  readonly connections: ec2.Connections;
  readonly grantPrincipal: iam.IPrincipal;

  static readonly CONTAINER_NAME = 'WebApp';

  constructor(scope: Construct, id: string, props: FargateWebTierProps) {
    super(scope, id);

    const architecture = IMAGE_PLATFORMS[props.architecture ?? 'X86_64'];
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: props.spot !== undefined,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.taskCpu,
      memoryLimitMiB: props.taskMemoryMiB,
      runtimePlatform: { cpuArchitecture: architecture.cpu, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    taskDefinition.addContainer(FargateWebTier.CONTAINER_NAME, {
      image: webAppContainerImage(props.architecture ?? 'X86_64'),
      environment: webAppContainerEnvironment(props.app),
      portMappings: [{ containerPort: CONTAINER_PORT }],
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'web',
        logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      }),
      stopTimeout: Duration.seconds(30),
    });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds only where the data lives (endpoint, port, secret ARN or table name); the app reads credentials from Secrets Manager itself.',
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: props.desiredCapacity ?? props.minCapacity,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      securityGroups: [privateSecurityGroup(this, props.vpc)],
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      // Fargate Spot beside Fargate: the base and the on-demand share first, the rest on Spot.
      capacityProviderStrategies: props.spot
        ? [
            { capacityProvider: 'FARGATE', base: props.spot.onDemandBase, weight: 100 - props.spot.spotPercentage },
            ...(props.spot.spotPercentage > 0 ? [{ capacityProvider: 'FARGATE_SPOT', weight: props.spot.spotPercentage }] : []),
          ]
        : undefined,
    });
    afterEgress(this.service, props.vpc);
    // A strategy may name only capacity providers already associated with the cluster: the association first.
    if (props.spot) this.service.node.addDependency(cluster);
    this.connections = this.service.connections;
    this.grantPrincipal = taskDefinition.taskRole;

    const targetGroup = props.loadBalancer.addWebTier(
      this.service.loadBalancerTarget({ containerName: FargateWebTier.CONTAINER_NAME, containerPort: CONTAINER_PORT }),
      CONTAINER_PORT,
    );
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The execution role pulls the image from the CDK asset repository; ecr:GetAuthorizationToken has no resource-level permissions.',
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minCapacity, maxCapacity: props.maxCapacity });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: props.cpuTargetPercent });
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget: props.requestsPerTarget, targetGroup });
  }
}
