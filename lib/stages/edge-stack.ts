import { Stack, Tags } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { EDGE_REGION, EdgeProtection, type EdgeProtectionProps } from '../constructs/edge-protection';

/**
 * The part of a CDN stage that must live in us-east-1 when the stage itself does not: CloudFront
 * reads its viewer certificate and its web ACL from there only. The stage reads both across regions
 * from this stack's outputs (`Fn::GetStackOutput`), and depends on this stack, so `cdk deploy
 * <stage>` deploys it first. The reference is weak: nothing stops this stack from being deleted
 * while the stage uses it, so destroy the stage first. It carries no stage metadata: it is not a stage.
 */
export class EdgeStack extends Stack {
  readonly protection: EdgeProtection;

  constructor(scope: Construct, stage: Stack, props: Omit<EdgeProtectionProps, 'zone'> & { readonly zone: route53.IHostedZone }) {
    // Named after the stage's stack name, which carries the prefix of an enclosing `Stage` (a deploy test's).
    super(scope, `${stage.node.id}-Edge`, {
      stackName: `${stage.stackName}-Edge`,
      env: { account: stage.account, region: EDGE_REGION },
      description: `zero-to-millions: the certificate and web application firewall of ${stage.stackName}'s CDN (CloudFront reads them from ${EDGE_REGION})`,
      crossRegionReferences: true,
    });
    Tags.of(this).add('zero-to-millions:stage', stage.stackName);
    Tags.of(this).add('zero-to-millions:project', 'zero-to-millions');
    // The same zone, imported again here: a construct of one stack cannot be used by another across regions.
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.zone.hostedZoneId,
      zoneName: props.zone.zoneName,
    });
    this.protection = new EdgeProtection(this, 'Edge', { ...props, zone });
  }
}
