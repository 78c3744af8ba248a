import { Duration } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { PublishedName, PublishedRecordType, Routing } from './published-name';

export interface ApiRecordProps {
  readonly zone: route53.IHostedZone;
  /** The label under the zone, such as `api`. */
  readonly recordName: string;
  /**
   * An Elastic IP (stages 1 and 2), an alias to the load balancer (stages 3 and 4) or to the CDN
   * (from stage 5, while its distribution carries the name: a record aliasing a distribution must
   * have a name the distribution carries).
   */
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
export class ApiRecord extends Construct implements PublishedName {
  readonly record: route53.ARecord;
  readonly ipv6Record?: route53.AaaaRecord;
  readonly domainName: string;
  readonly url: string;
  readonly routing: Extract<Routing, { kind: 'weighted' }>;
  /** The types of the records this stage owns under the name: `A`, and `AAAA` with `ipv6`. */
  readonly recordTypes: readonly PublishedRecordType[];
  readonly description: string;

  static readonly TTL = Duration.seconds(60);

  constructor(scope: Construct, id: string, props: ApiRecordProps) {
    super(scope, id);
    this.domainName = `${props.recordName}.${props.zone.zoneName}`;
    this.url = `${props.scheme}://${this.domainName}/`;
    this.routing = { kind: 'weighted', setIdentifier: props.setIdentifier, weight: props.weight };

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
    this.recordTypes = this.ipv6Record ? ['A', 'AAAA'] : ['A'];
    this.description = `${this.domainName} ${this.recordTypes.join(' and ')} weighted, set identifier ${props.setIdentifier}, weight ${props.weight}`;
  }
}
