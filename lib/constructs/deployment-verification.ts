import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct, type IConstruct } from 'constructs';
import { verificationBundle } from '../bundles';
import type { ApiRecord } from './api-record';

/**
 * What the stage's record points at: its Elastic IP, its load balancer's DNS name, or its CDN
 * distribution's domain name (whose addresses differ by where the question is asked from).
 */
export type VerifiedTarget =
  | { readonly kind: 'ip'; readonly address: string }
  | { readonly kind: 'alias'; readonly dnsName: string }
  | { readonly kind: 'cdn'; readonly dnsName: string };

export interface DeploymentVerificationProps {
  readonly hostedZoneId: string;
  readonly record: ApiRecord;
  readonly target: VerifiedTarget;
  /** The health endpoint through the target itself, such as `http://<elastic ip>/healthz`, with the public name as Host. */
  readonly healthUrl: string;
  /**
   * The name sent as Host and TLS server name: the public name, or (a CDN stage) the stage's own
   * name, which its distribution carries whether or not it carries the public one yet.
   *
   * @default - the record's name
   */
  readonly hostName?: string;
  /** The readiness endpoint through the target, such as `http://<elastic ip>/readyz`: the servers reach their data. */
  readonly readyUrl: string;
  /** What must exist before verification runs: the web tier (the record is always included). */
  readonly after: IConstruct[];
}

/**
 * Proves during the deployment that the stage serves: a Lambda (lambda/verify-deployment), run by a
 * CDK trigger once the record and the web tier exist, checks the record is in sync, that Route 53
 * answers with the stage's target, and that the health endpoint answers 200. When it does not, the
 * trigger fails and CloudFormation rolls the deployment back.
 *
 * The role allows exactly the calls the Lambda makes: read the zone's records, re-assert this
 * stage's own A record (UPSERT only, this name only), read change status, and ask Route 53 for a
 * test answer.
 */
export class DeploymentVerification extends Construct {
  /** All three steps together; the Lambda and the trigger get a little more. */
  static readonly BUDGET = Duration.minutes(10);
  static readonly TIMEOUT = Duration.minutes(12);

  readonly function: lambda.Function;
  readonly trigger: triggers.Trigger;

  constructor(scope: Construct, id: string, props: DeploymentVerificationProps) {
    super(scope, id);

    const zoneArn = `arn:${Aws.PARTITION}:route53:::hostedzone/${props.hostedZoneId}`;
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Deployment verification: reads and re-asserts this stage record, asks Route 53 for answers',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: [zoneArn] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [zoneArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [props.record.domainName.toLowerCase()],
            'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
          },
        },
      }),
    );
    const changes = new iam.PolicyStatement({ actions: ['route53:GetChange'], resources: [`arn:${Aws.PARTITION}:route53:::change/*`] });
    const answers = new iam.PolicyStatement({ actions: ['route53:TestDNSAnswer'], resources: ['*'] });
    role.addToPolicy(changes);
    role.addToPolicy(answers);
    Validations.of(role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]`,
        reason: 'A change id exists only once the Lambda has made the change, so GetChange cannot name it in advance.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'route53:TestDNSAnswer supports no resource-level permissions; * is the only resource it accepts.',
      },
    );

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    logGroup.grantWrite(role);

    const target = props.target;
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
      description: `Verifies that ${props.record.domainName} (${props.record.setIdentifier}) serves`,
      environment: {
        HOSTED_ZONE_ID: props.hostedZoneId,
        RECORD_NAME: props.record.domainName,
        SET_IDENTIFIER: props.record.setIdentifier,
        WEIGHT: String(props.record.weight),
        TARGET_KIND: target.kind,
        TARGET: target.kind === 'ip' ? target.address : target.dnsName,
        HEALTH_URL: props.healthUrl,
        READY_URL: props.readyUrl,
        HOST_NAME: props.hostName ?? props.record.domainName,
        BUDGET_SECONDS: String(DeploymentVerification.BUDGET.toSeconds()),
      },
    });

    this.trigger = new triggers.Trigger(this, 'Trigger', {
      handler: this.function,
      executeAfter: [props.record, ...props.after],
      timeout: DeploymentVerification.TIMEOUT,
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
    });
  }
}
