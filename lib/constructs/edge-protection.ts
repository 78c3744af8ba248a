import { Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { WafMode } from '../config';
import { EDGE_REGION } from '../config/schema';
import { RATE_LIMITED_BODY } from '../edge-contract';

export { EDGE_REGION };

export interface EdgeProtectionProps {
  /** The name clients use, such as `api.example.com`: the certificate is for it. */
  readonly domainName: string;
  /** More names the certificate covers, such as the stage's own `stage5.api.example.com`. @default - none */
  readonly alternativeNames?: string[];
  /** The public zone of `domainName`, where ACM validates the certificate by DNS. */
  readonly zone: route53.IHostedZone;
  /** `block`: matched requests are refused; `count`: only counted in the metrics. */
  readonly mode: WafMode;
  /** Requests one IP address may make in 5 minutes before the rate rule applies. */
  readonly rateLimit: number;
}

/**
 * What the edge needs from us-east-1 whatever region the stage is in: the viewer certificate
 * (DNS-validated, for the API name) and a web application firewall: AWS's managed rules for common
 * exploits and known bad inputs, and a per-address rate limit that answers 429. In `count` mode
 * nothing is blocked, only counted, to learn what the rules would do first.
 *
 * The common rule set's 8 KB body limit only counts: the service refuses bodies over its own limit
 * with a 413 that says so, which a client can act on, where the firewall's bare 403 says nothing.
 */
export class EdgeProtection extends Construct {
  readonly certificate: acm.Certificate;
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeProtectionProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (region !== EDGE_REGION) {
      throw new Error(
        `EdgeProtection must be in ${EDGE_REGION}, where CloudFront reads certificates and web ACLs; this stack is in ${region}`,
      );
    }

    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName,
      subjectAlternativeNames: props.alternativeNames,
      validation: acm.CertificateValidation.fromDns(props.zone),
    });

    const name = Stack.of(this).stackName;
    const visibility = (metric: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${name}-${metric}`.replace(/[^A-Za-z0-9_-]/g, '-'),
      sampledRequestsEnabled: true,
    });
    const counting = props.mode === 'count';
    const managed = (priority: number, ruleGroup: string, overrides: string[] = []): wafv2.CfnWebACL.RuleProperty => ({
      name: ruleGroup,
      priority,
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name: ruleGroup,
          // Left out rather than empty: nothing to override in that group.
          ruleActionOverrides: overrides.length > 0 ? overrides.map((rule) => ({ name: rule, actionToUse: { count: {} } })) : undefined,
        },
      },
      overrideAction: counting ? { count: {} } : { none: {} },
      visibilityConfig: visibility(ruleGroup),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: `Firewall of ${props.domainName}, ${props.mode} mode`, // no parentheses: WAF refuses them
      defaultAction: { allow: {} },
      visibilityConfig: visibility('WebAcl'),
      customResponseBodies: { RateLimited: { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY } },
      rules: [
        {
          name: 'RateLimitPerAddress',
          priority: 0,
          statement: { rateBasedStatement: { limit: props.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          action: counting ? { count: {} } : { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'RateLimited' } } },
          visibilityConfig: visibility('RateLimitPerAddress'),
        },
        managed(1, 'AWSManagedRulesCommonRuleSet', ['SizeRestrictions_BODY']),
        managed(2, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });
  }
}
