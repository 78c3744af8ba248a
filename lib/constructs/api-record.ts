import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface ApiRecordProps {
  readonly zone: route53.IHostedZone;
  /** The label under the zone, such as `api`. */
  readonly recordName: string;
  /** An Elastic IP (stages 1 and 2), an alias to the load balancer (stages 3 and 4) or to the CDN (from stage 5). */
  readonly target: route53.RecordTarget;
  /**
   * Publish an IPv6 (AAAA) record beside the A record, with the same target, weight and set
   * identifier: for an alias to a target that answers IPv6 (the CDN).
   *
   * @default false
   */
  readonly ipv6?: boolean;
  /**
   * The share of DNS answers this stage gets among the records with the same name, 0 to 255.
   *
   * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-weighted.html
   */
  readonly weight: number;
  /** Distinguishes this stage's record from other stages' records of the same name: the stack name. */
  readonly setIdentifier: string;
  /** How clients reach the API. */
  readonly scheme: 'http' | 'https';
}

/**
 * The name clients resolve, `<recordName>.<domain>`, as one weighted A record per stage. Two stages
 * deployed side by side each own a record of the same name with their own set identifier, so
 * traffic moves between them by changing weights, with no downtime and no record to take over.
 *
 * A short TTL (for a plain IP record) bounds how long resolvers keep sending clients to the old
 * stage after a weight changes.
 */
export class ApiRecord extends Construct {
  readonly record: route53.ARecord;
  readonly ipv6Record?: route53.AaaaRecord;
  /** The fully qualified name, such as `api.example.com`. */
  readonly domainName: string;
  readonly url: string;
  readonly setIdentifier: string;
  readonly weight: number;

  static readonly TTL = Duration.seconds(60);

  constructor(scope: Construct, id: string, props: ApiRecordProps) {
    super(scope, id);
    this.domainName = `${props.recordName}.${props.zone.zoneName}`;
    this.url = `${props.scheme}://${this.domainName}/`;
    this.setIdentifier = props.setIdentifier;
    this.weight = props.weight;

    const record = {
      zone: props.zone,
      recordName: this.domainName,
      target: props.target,
      weight: props.weight,
      setIdentifier: props.setIdentifier,
      ttl: props.target.aliasTarget ? undefined : ApiRecord.TTL, // an alias answers with its target's TTL
      comment: `zero-to-millions ${props.setIdentifier}`,
    };
    this.record = new route53.ARecord(this, 'Record', record);
    if (props.ipv6) {
      if (!props.target.aliasTarget) throw new Error('ApiRecord: ipv6 needs an alias target; an IP address is IPv4 only');
      this.ipv6Record = new route53.AaaaRecord(this, 'Ipv6Record', record);
    }

    // Plain output names, so `cdk deploy` prints `Stage1-SingleServer.Url = ...`.
    new CfnOutput(this, 'Url', { value: this.url, description: 'Where the API of this stage answers' }).overrideLogicalId('Url');
    new CfnOutput(this, 'RecordOutput', {
      value: `${this.domainName} ${props.ipv6 ? 'A and AAAA' : 'A'} weighted, set identifier ${props.setIdentifier}, weight ${props.weight}`,
      description: 'The Route 53 record this stage owns',
    }).overrideLogicalId('Record');
  }
}
