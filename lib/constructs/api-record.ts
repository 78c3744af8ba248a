import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface ApiRecordProps {
  readonly zone: route53.IHostedZone;
  /** The label under the zone, such as `api`. */
  readonly recordName: string;
  /** An Elastic IP (stages 1 and 2) or an alias to the load balancer (stage 3). */
  readonly target: route53.RecordTarget;
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

    this.record = new route53.ARecord(this, 'Record', {
      zone: props.zone,
      recordName: this.domainName,
      target: props.target,
      weight: props.weight,
      setIdentifier: props.setIdentifier,
      ttl: props.target.aliasTarget ? undefined : ApiRecord.TTL, // an alias answers with its target's TTL
      comment: `zero-to-millions ${props.setIdentifier}`,
    });

    // Plain output names, so `cdk deploy` prints `Stage1-SingleServer.Url = ...`.
    new CfnOutput(this, 'Url', { value: this.url, description: 'Where the API of this stage answers' }).overrideLogicalId('Url');
    new CfnOutput(this, 'RecordOutput', {
      value: `${this.domainName} A weighted, set identifier ${props.setIdentifier}, weight ${props.weight}`,
      description: 'The Route 53 record this stage owns',
    }).overrideLogicalId('Record');
  }
}
