import { createHash } from 'node:crypto';
import { Aws, CfnResource, Duration, Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct, type IConstruct } from 'constructs';
import { verificationBundle } from '../bundles';
import type { PublishedName } from './published-name';

/**
 * What the judged records point at: the stage's Elastic IP, or (alias records) its load balancer
 * (`alias`) or its CDN distribution (`cdn`), by DNS name and the hosted zone of that name (which
 * Route 53 holds beside it). A distribution's addresses differ by where the question is asked from.
 */
export type VerifiedTarget =
  | { readonly kind: 'ip'; readonly address: string }
  | { readonly kind: 'alias' | 'cdn'; readonly dnsName: string; readonly hostedZoneId: string };

export interface DeploymentVerificationProps {
  readonly hostedZoneId: string;
  /**
   * The records that say where the stage is reached, which the verification judges: the weighted
   * records of the API name, or (a CDN stage that does not carry the API name) its own name's.
   */
  readonly records: PublishedName;
  /** What `records` point at. */
  readonly target: VerifiedTarget;
  /** The health endpoint through the target itself, such as `http://<elastic ip>/healthz`, with the public name as Host. */
  readonly healthUrl: string;
  /**
   * The name sent as Host and TLS server name: the public name, or (a CDN stage) the stage's own
   * name, which its distribution carries whether or not it carries the public one yet.
   *
   * @default - the name of `records`
   */
  readonly hostName?: string;
  /** The readiness endpoint through the target, such as `http://<elastic ip>/readyz`: the servers reach their data. */
  readonly readyUrl: string;
  /**
   * What must exist before verification runs: the web tier, its front, and every resource the data
   * tier serves from (each database instance, or the table), since readiness waits on the data (the
   * records are always included).
   */
  readonly after: IConstruct[];
  /**
   * What serves the stage, each a resource or a construct whose default child is one: the web
   * server's instance, the web tier's launch template or task definition, the distribution in front.
   * The trigger carries what identifies the deployed version of each (a launch template's latest
   * version number; otherwise its id, which a replacement changes: an instance, a task definition,
   * whose every change is a new revision) and a digest of their synthesized properties (for what
   * changes in place under the same id: an instance's user data or type, a distribution's
   * configuration). A deployment that changes any of them changes the trigger's properties, and
   * CloudFormation sends it an update, which runs the verification again; otherwise it would run
   * only when its own function changes.
   *
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html
   */
  readonly serving: readonly IConstruct[];
}

/** The CloudFormation resource of `construct`: itself, or its default child. */
function resourceOf(construct: IConstruct): CfnResource {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource))
    throw new Error(
      `DeploymentVerification serving: ${construct.node.path} is not a CloudFormation resource and has no default child that is one`,
    );
  return resource;
}

/** What identifies the deployed version of `resource`: a launch template is updated to a new version; anything else changes id when it is replaced. */
function deployedVersionOf(resource: CfnResource): string {
  return resource instanceof ec2.CfnLaunchTemplate ? resource.attrLatestVersionNumber : Token.asString(resource.ref);
}

/**
 * A digest of the synthesized properties of `resources`, as CloudFormation receives them (tokens
 * as the references they resolve to): it changes whenever their template does.
 */
function propertiesDigest(resources: readonly CfnResource[]): string {
  return Lazy.uncachedString({
    produce: () => {
      const hash = createHash('sha256');
      for (const resource of resources) {
        const rendered = Stack.of(resource).resolve(resource._toCloudFormation()) as {
          Resources: Record<string, { Properties?: unknown }>;
        };
        for (const { Properties } of Object.values(rendered.Resources)) hash.update(JSON.stringify(Properties ?? {}));
      }
      return hash.digest('hex').slice(0, 16);
    },
  });
}

/**
 * Proves during the deployment that the stage serves: a Lambda (lambda/verify-deployment), run by a
 * CDK trigger once the records, the web tier and the data tier exist, checks that Route 53 holds the
 * stage's records with their routing (weight) and target and has them in sync, asks Route 53 for an
 * answer where one answer is conclusive, checks that the health endpoint answers 200 and the
 * readiness endpoint says "ready" through the stage's own target. When it does not, the trigger
 * fails and CloudFormation rolls the deployment back. It runs on the stage's first deployment and
 * on every deployment that changes what serves (`serving`) or the Lambda itself.
 *
 * It never verifies a rollback: CloudFormation sends the trigger an update with the old properties
 * when it rolls a failed update back, and a verification that failed or waited then would leave the
 * stack UPDATE_ROLLBACK_FAILED. So the Lambda first asks CloudFormation whether its stack is rolling
 * back, and if so returns at once.
 *
 * The role allows exactly the calls the Lambda makes: read this stack's status, read the zone's
 * records, re-assert the judged records (UPSERT only, their name and types only), read change
 * status, and, for a stage whose answers are comparable (not a CDN), ask Route 53 for a test answer.
 *
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html
 */
export class DeploymentVerification extends Construct {
  /** All steps together; the Lambda and the trigger get a little more. */
  static readonly BUDGET = Duration.minutes(10);
  static readonly TIMEOUT = Duration.minutes(12);

  readonly function: lambda.Function;
  readonly trigger: triggers.Trigger;

  constructor(scope: Construct, id: string, props: DeploymentVerificationProps) {
    super(scope, id);

    const { target, records } = props;
    const routing = records.routing;
    const judged = routing.kind === 'weighted' ? `${records.domainName} (${routing.setIdentifier})` : records.domainName;
    // A distribution answers with the edge nearest whoever asks: the Lambda never asks Route 53 for a CDN stage's answer.
    const asksForAnswers = target.kind !== 'cdn';
    const zoneArn = `arn:${Aws.PARTITION}:route53:::hostedzone/${props.hostedZoneId}`;
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Deployment verification: reads and re-asserts this stage record${asksForAnswers ? ', asks Route 53 for answers' : ''}`,
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: [zoneArn] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [zoneArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [records.domainName.toLowerCase()],
            'route53:ChangeResourceRecordSetsRecordTypes': [...records.recordTypes],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
          },
        },
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['route53:GetChange'], resources: [`arn:${Aws.PARTITION}:route53:::change/*`] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]`,
      reason: 'A change id exists only once the Lambda has made the change, so GetChange cannot name it in advance.',
    });
    // Whether the stack is rolling back, before any check: a rollback is not verified (lambda/verify-deployment/rollback.ts).
    role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Aws.STACK_ID] }));
    if (asksForAnswers) {
      role.addToPolicy(new iam.PolicyStatement({ actions: ['route53:TestDNSAnswer'], resources: ['*'] }));
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'route53:TestDNSAnswer supports no resource-level permissions; * is the only resource it accepts.',
      });
    }

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    logGroup.grantWrite(role);

    // Bundled by the local esbuild at synth (lib/bundles.ts), once per change of its sources.
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(verificationBundle().directory),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: DeploymentVerification.TIMEOUT,
      role,
      logGroup,
      description: `Verifies that ${judged} serves`,
      environment: {
        HOSTED_ZONE_ID: props.hostedZoneId,
        RECORD_NAME: records.domainName,
        RECORD_TYPES: records.recordTypes.join(','),
        ROUTING: routing.kind,
        ...(routing.kind === 'weighted' ? { SET_IDENTIFIER: routing.setIdentifier, WEIGHT: String(routing.weight) } : {}),
        TARGET_KIND: target.kind,
        TARGET: target.kind === 'ip' ? target.address : target.dnsName,
        ...(target.kind === 'ip' ? {} : { TARGET_HOSTED_ZONE_ID: target.hostedZoneId }),
        HEALTH_URL: props.healthUrl,
        READY_URL: props.readyUrl,
        HOST_NAME: props.hostName ?? records.domainName,
        BUDGET_SECONDS: String(DeploymentVerification.BUDGET.toSeconds()),
        // The trigger provider invokes the Lambda without the request: this is how it finds its stack.
        STACK_ID: Aws.STACK_ID,
      },
    });

    this.trigger = new triggers.Trigger(this, 'Trigger', {
      handler: this.function,
      executeAfter: [records, ...props.after],
      timeout: DeploymentVerification.TIMEOUT,
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
    });
    // Properties the trigger's provider ignores: they are there to change with what serves. The
    // update keeps the trigger's physical id (aws-cdk-lib's provider answers with the one it was
    // given), so CloudFormation sends no delete for an old one; a delete never runs the
    // verification (the provider does nothing on delete); and the update that rolls a failed one
    // back runs it, which then verifies nothing (the stack is rolling back).
    const serving = props.serving.map(resourceOf);
    const resource = this.trigger.node.defaultChild!.node.defaultChild as CfnResource;
    resource.addPropertyOverride('Serving', serving.map(deployedVersionOf));
    resource.addPropertyOverride('ServingDigest', propertiesDigest(serving));
  }
}
