/** The front from stage 5: the CDN. */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { EDGE_REGION } from '../../config/schema';
import type { CacheTier } from '../../constructs/cache-tier';
import { ContentDelivery, edgeAccessLogs } from '../../constructs/content-delivery';
import type { DataTier } from '../../constructs/data-tier';
import { EdgeProtection, type EdgeProtectionProps } from '../../constructs/edge-protection';
import { LoadBalancer } from '../../constructs/load-balancer';
import { OwnNameRecord } from '../../constructs/own-name-record';
import type { SessionStore } from '../../constructs/session-store';
import { StaticPage } from '../../constructs/static-page';
import type { WebTier } from '../../constructs/web-tier';
import { EdgeStack } from '../edge-stack';
import type { StageStack } from '../stage-stack';
import { servedByWebTier, webTierUsing } from './load-balanced-front';

/** The logical ids of a CDN stage's own-name records (A, AAAA), as stages 5 and 6 were first deployed with them. */
export const OWN_NAME_LOGICAL_IDS = { A: 'OwnNameRecord1AF421F4', AAAA: 'OwnNameIpv6Record753C2E53' } as const;

/**
 * CloudFront takes every request at the edge, behind the firewall, and reaches an internal load
 * balancer through a VPC origin; the web tier behind it uses the cache tier before the data tier.
 * The API is published through the CDN.
 */
export function serveThroughCdn(
  stack: StageStack,
  vpc: ec2.IVpc,
  data: DataTier,
  cache: CacheTier,
  sessions?: SessionStore,
): { loadBalancer: LoadBalancer; webTier: WebTier; cdn: ContentDelivery } {
  const c = stack.config;
  // Over HTTPS, CloudFront needs a name for the load balancer that its certificate covers: this one resolves to it.
  const originDomainName = `stage${stack.stage}-origin.${stack.apiDomainName}`;
  const loadBalancer = new LoadBalancer(stack, 'LoadBalancer', {
    vpc,
    reach: 'cdn',
    https: c.https ? { domainName: stack.apiDomainName, alternativeNames: [originDomainName], zone: stack.zone } : undefined,
    pauseWrites: c.pauseWrites.includes(stack.stage),
  });
  if (c.https) {
    new route53.ARecord(stack, 'OriginRecord', {
      zone: stack.zone,
      recordName: originDomainName,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer.loadBalancer)),
      comment: `zero-to-millions ${stack.stackName}: the internal load balancer, as CloudFront names it (private addresses)`,
    });
  }
  // The stage's own name is always on its distribution; the API name only while this stage carries it (weight above 0).
  const ownName = `stage${stack.stage}.${stack.apiDomainName}`;
  // Behind CloudFront the service sees the load balancer's name as Host, so a browser that sends no
  // Sec-Fetch-Site is told from another site by its Origin: the page's names. Both, whatever the
  // weights: the environment should not change (and replace the servers) when a weight does.
  const pageOrigins = { TRUSTED_ORIGINS: [stack.apiDomainName, ownName].map((name) => `https://${name}`).join(',') };
  const webTier = webTierUsing(stack, vpc, loadBalancer, data, cache, sessions, pageOrigins);

  const carriesApi = c.weight[`${stack.stage}`] > 0;
  const edge = edgeProtection(stack, {
    domainName: stack.apiDomainName,
    alternativeNames: [ownName],
    zone: stack.zone,
    mode: c.wafMode,
    rateLimit: c.wafRateLimit,
  });
  const accessLogs = edgeAccessLogs(stack, 'EdgeAccessLogs');
  const cdn = new ContentDelivery(stack, 'Cdn', {
    domainNames: carriesApi ? [stack.apiDomainName, ownName] : [ownName],
    certificate: edge.certificate,
    webAclArn: edge.webAcl.attrArn,
    loadBalancer,
    originDomainName: c.https ? originDomainName : undefined,
    page: new StaticPage(stack, 'Page', { accessLogs }),
    priceClass: c.priceClass,
    accessLogs,
  });
  const own = new OwnNameRecord(stack, 'OwnName', {
    zone: stack.zone,
    domainName: ownName,
    distribution: cdn.distribution,
    comment: `zero-to-millions ${stack.stackName}: its own name, whichever stage carries ${stack.apiDomainName}`,
  });
  // The logical ids the records had before they were a construct of their own: under a new id,
  // CloudFormation would create the record before deleting the old one, and Route 53 refuses to
  // create a record that exists ("Tried to create resource record set ... but it already exists").
  (own.record.node.defaultChild as route53.CfnRecordSet).overrideLogicalId(OWN_NAME_LOGICAL_IDS.A);
  (own.ipv6Record.node.defaultChild as route53.CfnRecordSet).overrideLogicalId(OWN_NAME_LOGICAL_IDS.AAAA);
  stack.publishApi({ distribution: cdn.distribution, ownName: own, carriesApi }, servedByWebTier(webTier), [
    loadBalancer,
    ...data.servingResources,
  ]);
  return { loadBalancer, webTier, cdn };
}

/**
 * The certificate and firewall CloudFront needs, from us-east-1: in the stage's stack when it is
 * there, otherwise in a companion stack there (`<stack>-Edge`), which `cdk deploy` of the stage deploys first.
 */
function edgeProtection(stack: StageStack, props: EdgeProtectionProps): EdgeProtection {
  if (stack.region === EDGE_REGION) return new EdgeProtection(stack, 'Edge', props);
  const edgeStack = new EdgeStack(stack.node.scope as Construct, stack, props);
  stack.addStackDependency(edgeStack, 'the certificate and web ACL of the CDN live in us-east-1');
  stack.companions.push(edgeStack);
  return edgeStack.protection;
}
