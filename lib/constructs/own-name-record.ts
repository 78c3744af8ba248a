import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { PublishedName, PublishedRecordType, Routing } from './published-name';

export interface OwnNameRecordProps {
  readonly zone: route53.IHostedZone;
  /** The stage's own name, fully qualified, such as `stage5.api.example.com`: one its distribution carries. */
  readonly domainName: string;
  /** The stage's distribution (IPv6 on). */
  readonly distribution: cloudfront.IDistribution;
  /** The records' comment in Route 53, such as whose name it is. */
  readonly comment: string;
}

/**
 * A CDN stage's own name, `stage<n>.<api name>`: an A and an AAAA alias to its distribution, not
 * weighted (the name is this stage's alone). A name can be on one CloudFront distribution only, so
 * the API name is on one CDN stage's at a time; the own name is always on the stage's, so the stage
 * can be reached, tried and verified whichever stage carries the API name.
 *
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-cloudfront-distribution.html
 */
export class OwnNameRecord extends Construct implements PublishedName {
  readonly record: route53.ARecord;
  readonly ipv6Record: route53.AaaaRecord;
  readonly domainName: string;
  readonly url: string;
  readonly routing: Routing = { kind: 'simple' };
  readonly recordTypes: readonly PublishedRecordType[] = ['A', 'AAAA'];
  readonly description: string;

  constructor(scope: Construct, id: string, props: OwnNameRecordProps) {
    super(scope, id);
    this.domainName = props.domainName;
    this.url = `https://${props.domainName}/`;
    const record = {
      zone: props.zone,
      recordName: props.domainName,
      target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(props.distribution)),
      comment: props.comment,
    };
    // CloudFront answers IPv6 with IPv6 on: an alias of each type, as Route 53 asks for a distribution.
    this.record = new route53.ARecord(this, 'Record', record);
    this.ipv6Record = new route53.AaaaRecord(this, 'Ipv6Record', record);
    this.description = `${props.domainName} A and AAAA, not weighted`;
  }
}
