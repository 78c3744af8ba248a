import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';

/** The id CDK gives the one Lambda function every AwsCustomResource of a stack shares. */
const PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

export interface SdkCallProps {
  readonly onCreate: cr.AwsSdkCall;
  readonly onUpdate?: cr.AwsSdkCall;
  readonly onDelete?: cr.AwsSdkCall;
  /** Exactly the resources the calls touch; `ANY_RESOURCE` only for calls that support no other. */
  readonly resources: string[];
}

/**
 * An AWS SDK call that CloudFormation makes while it deploys (an AwsCustomResource), with the
 * settings every such call here shares: the SDK of the Lambda runtime (nothing downloaded at deploy
 * time), its logs kept a month, and the shared function's role acknowledged once for the managed
 * policy CDK gives it (it only writes the function's own logs).
 */
export function sdkCall(scope: Construct, id: string, props: SdkCallProps): cr.AwsCustomResource {
  const stack = Stack.of(scope);
  const logGroup =
    (stack.node.tryFindChild('SdkCallLogs') as logs.LogGroup | undefined) ??
    new logs.LogGroup(stack, 'SdkCallLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  const call = new cr.AwsCustomResource(scope, id, {
    onCreate: props.onCreate,
    onUpdate: props.onUpdate ?? props.onCreate,
    onDelete: props.onDelete,
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: props.resources }),
    installLatestAwsSdk: false,
    logGroup,
  });
  const provider = stack.node.tryFindChild(PROVIDER_ID);
  if (provider) {
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's shared function for SDK calls at deploy time; the managed policy lets it write its own logs, and nothing else.",
    });
  }
  return call;
}
