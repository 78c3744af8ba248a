import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CLOUDFRONT_ORIGIN_FACING } from '../edge-contract';
import { ManagedPrefixList } from './managed-prefix-list';
import { HEALTH_CHECK_PATH, WEB_APP_PORT } from './web-app';

/** Who reaches the load balancer: anyone on the internet (stages 3 and 4), or only the CDN (from stage 5). */
export type LoadBalancerReach = 'internet' | 'cdn';

export interface LoadBalancerProps {
  readonly vpc: ec2.IVpc;
  /**
   * `internet`: internet-facing in the public subnets, open to anyone on its ports. `cdn`: internal,
   * in the private subnets, with no path from the internet; it admits only CloudFront's
   * origin-facing addresses, which a CloudFront VPC origin in this account reaches it from.
   *
   * @default 'internet'
   */
  readonly reach?: LoadBalancerReach;
  /**
   * Serve HTTPS with an ACM certificate for `domainName` (and `alternativeNames`), validated by DNS
   * in `zone`. Internet-facing, HTTP on port 80 redirects to HTTPS; internal, only HTTPS listens.
   *
   * @default - plain HTTP on port 80
   */
  readonly https?: {
    readonly domainName: string;
    readonly alternativeNames?: string[];
    readonly zone: route53.IHostedZone;
  };
  /**
   * Answer writes (`POST`, `PUT`, `PATCH`, `DELETE`) with 503 at the load balancer, while the
   * stage's data moves to a later stage; reads go on. A listener rule: deploying it takes seconds.
   *
   * @default false
   */
  readonly pauseWrites?: boolean;
}

/** What a paused stage answers a write. */
export const WRITES_PAUSED_BODY = JSON.stringify({
  error: "writes are paused while this stage's data moves to the next stage; reads go on; retry in a few minutes",
});

/**
 * How fast the load balancer notices a web server come and go. A server is in service after two
 * good checks (about 20 s) and out after three bad ones (about 30 s); a leaving server gets 30 s to
 * finish its requests, so a deployment or scale-in does not take minutes per server.
 */
export const TARGET_HEALTH_CHECK: elbv2.HealthCheck = {
  path: HEALTH_CHECK_PATH,
  healthyHttpCodes: '200',
  interval: Duration.seconds(10),
  timeout: Duration.seconds(5),
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 3,
};
export const DEREGISTRATION_DELAY = Duration.seconds(30);

/**
 * An Application Load Balancer across every zone, so no single web server is a point of failure:
 * the entry point of stages 3 and 4 on the internet, and from stage 5 an internal one that only the
 * CDN reaches. It drops invalid header fields, writes access logs to an encrypted bucket, and with
 * `https` terminates TLS with a modern policy.
 */
export class LoadBalancer extends Construct implements ec2.IConnectable {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  /** The listener that forwards to the web tier: HTTPS on 443, or HTTP on 80. */
  readonly listener: elbv2.ApplicationListener;
  readonly scheme: 'http' | 'https';
  readonly reach: LoadBalancerReach;
  readonly accessLogs: s3.Bucket;
  readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.scheme = props.https ? 'https' : 'http';
    this.reach = props.reach ?? 'internet';
    const internetFacing = this.reach === 'internet';
    const listenerPort = props.https ? 443 : 80;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: internetFacing
        ? `Public load balancer: ${props.https ? 'HTTPS, and HTTP to redirect' : 'HTTP'} from anywhere`
        : `Internal load balancer: ${props.https ? 'HTTPS' : 'HTTP'} from CloudFront only`,
      allowAllOutbound: false,
    });
    this.connections = this.securityGroup.connections;
    if (internetFacing) {
      Validations.of(this.securityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          'The internet-facing load balancer is the entry point of the stage: it accepts the public on 80 and 443 only; the web tier behind it does not.',
      });
    } else {
      // The prefix list weighs as many rules as it has entries (about 55 of a group's 60): one port only.
      this.securityGroup.addIngressRule(
        ec2.Peer.prefixList(new ManagedPrefixList(this, 'CloudFrontOriginFacing', CLOUDFRONT_ORIGIN_FACING).prefixListId),
        ec2.Port.tcp(listenerPort),
        `${props.https ? 'HTTPS' : 'HTTP'} from CloudFront (VPC origin)`,
      );
    }

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing,
      vpcSubnets: { subnetType: internetFacing ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.DEFENSIVE,
      http2Enabled: true,
    });

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED, // the only encryption ALB access logs support
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is itself the access log of the load balancer; logging access to the log bucket would only log the log writes.',
    });
    this.loadBalancer.logAccessLogs(this.accessLogs);

    if (props.https) {
      const certificate = new acm.Certificate(this, 'Certificate', {
        domainName: props.https.domainName,
        subjectAlternativeNames: props.https.alternativeNames,
        validation: acm.CertificateValidation.fromDns(props.https.zone),
      });
      this.listener = this.loadBalancer.addListener('Https', {
        port: listenerPort,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: internetFacing,
      });
      if (internetFacing) this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    } else {
      this.listener = this.loadBalancer.addListener('Http', {
        port: listenerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: internetFacing,
      });
    }

    if (props.pauseWrites) {
      this.listener.addAction('PauseWrites', {
        priority: 1,
        conditions: [elbv2.ListenerCondition.httpRequestMethods(['POST', 'PUT', 'PATCH', 'DELETE'])],
        action: elbv2.ListenerAction.fixedResponse(503, { contentType: 'application/json', messageBody: WRITES_PAUSED_BODY }),
      });
    }
  }

  /** Forwards the listener to a web tier, with the stage's health check and deregistration delay. */
  addWebTier(target: elbv2.IApplicationLoadBalancerTarget, port = WEB_APP_PORT): elbv2.ApplicationTargetGroup {
    return this.listener.addTargets('WebTier', {
      port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [target],
      healthCheck: TARGET_HEALTH_CHECK,
      deregistrationDelay: DEREGISTRATION_DELAY,
    });
  }
}
