import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { PriceClass } from '../config';
import {
  DEFAULT_BEHAVIOUR_METHODS,
  EDGE_BEHAVIOURS,
  type EdgeBehaviour,
  type EdgeMethods,
  PAGE_CONTENT_SECURITY_POLICY,
  PAGE_FUNCTION_CODE,
  UNCACHED_ERROR_CODES,
} from '../edge-contract';
import type { LoadBalancer } from './load-balancer';
import type { StaticPage } from './static-page';

export interface ContentDeliveryProps {
  /**
   * The names the distribution serves, such as `stage5.api.example.com` and `api.example.com`. A
   * name can be on one distribution only: the API name is on the one CDN stage that carries it.
   */
  readonly domainNames: string[];
  /** The viewer certificate for `domainNames`, in us-east-1. */
  readonly certificate: acm.ICertificate;
  /** The ARN of the web ACL (in us-east-1) that screens every request. */
  readonly webAclArn: string;
  /** The internal load balancer that serves the API; the distribution reaches it as a VPC origin. */
  readonly loadBalancer: LoadBalancer;
  /**
   * The name CloudFront uses for the load balancer over HTTPS (TLS server name and Host): one its
   * certificate covers, resolving to it.
   *
   * @default - the load balancer's own DNS name (HTTP only)
   */
  readonly originDomainName?: string;
  /** The page served under `/web/`. */
  readonly page: StaticPage;
  /** Where the edge serves from: `100`, `200` or `All`. */
  readonly priceClass: PriceClass;
  /** Where CloudFront writes its access logs. */
  readonly accessLogs: s3.IBucket;
}

/** CloudFront's AllowedMethods for one of its method sets. */
function allowedMethods(methods: EdgeMethods): cloudfront.AllowedMethods {
  const sets = [
    cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
    cloudfront.AllowedMethods.ALLOW_ALL,
  ];
  const found = sets.find((set) => set.methods.length === methods.length && methods.every((m) => set.methods.includes(m)));
  if (!found)
    throw new Error(
      `ContentDelivery: CloudFront allows ${sets.map((set) => set.methods.join(', ')).join('; or ')}; got ${methods.join(', ')}`,
    );
  return found;
}

const PRICE_CLASSES: Record<PriceClass, cloudfront.PriceClass> = {
  '100': cloudfront.PriceClass.PRICE_CLASS_100,
  '200': cloudfront.PriceClass.PRICE_CLASS_200,
  All: cloudfront.PriceClass.PRICE_CLASS_ALL,
};

/**
 * CloudFront in front of everything: clients reach the edge nearest them over HTTPS (HTTP
 * redirects), the firewall screens each request, and the edge answers what it may from its caches.
 *
 * - `/web` and `/web/*`: the static page, from a private bucket read through origin access control
 *   (`/web` redirects to `/web/`, which is index.html).
 * - `/items/*`: the API's item reads (GET and HEAD only), cached at the edge for as long as the
 *   service's Cache-Control says (items never change once created; errors, misses and redirects say
 *   `no-store`), keyed on the path alone.
 * - everything else (writes, `/`, health and readiness): the API, never cached, with the viewer's
 *   headers, cookies and query strings.
 *
 * The behaviours and their order are lib/edge-contract.ts's EDGE_BEHAVIOURS, which the local edge
 * serves from too. No 5xx (nor a 404) from an origin is kept at the edge: UNCACHED_ERROR_CODES.
 *
 * The API origin is the internal load balancer, reached through a CloudFront VPC origin: nothing on
 * the internet can reach it any other way.
 */
export class ContentDelivery extends Construct {
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: ContentDeliveryProps) {
    super(scope, id);
    const https = props.loadBalancer.scheme === 'https';
    if (https && !props.originDomainName)
      throw new Error('ContentDelivery: an HTTPS load balancer needs originDomainName, a name its certificate covers');

    const api = origins.VpcOrigin.withApplicationLoadBalancer(props.loadBalancer.loadBalancer, {
      domainName: https ? props.originDomainName : undefined,
      protocolPolicy: https ? cloudfront.OriginProtocolPolicy.HTTPS_ONLY : cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      readTimeout: Duration.seconds(30),
    });

    // Only what the origin says may be kept, and the path alone tells items apart.
    const items = new cloudfront.CachePolicy(this, 'ItemsCachePolicy', {
      comment: 'Items: as long as the origin Cache-Control says; keyed on the path',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const pageHeaders = new cloudfront.ResponseHeadersPolicy(this, 'PageHeaders', {
      comment: 'The static page: a strict content security policy and the usual security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: PAGE_CONTENT_SECURITY_POLICY,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: false, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });

    const indexFunction = new cloudfront.Function(this, 'PageIndex', {
      comment: 'Serves index.html for /web/ and redirects /web to /web/',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(PAGE_FUNCTION_CODE),
    });

    const toApi: Omit<cloudfront.BehaviorOptions, 'cachePolicy' | 'allowedMethods'> = {
      origin: api,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      compress: true,
    };

    const behaviours: Record<EdgeBehaviour['serves'], Omit<cloudfront.BehaviorOptions, 'allowedMethods'>> = {
      items: { ...toApi, cachePolicy: items },
      page: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(props.page.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: pageHeaders,
        functionAssociations: [{ function: indexFunction, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `zero-to-millions: ${props.domainNames.join(', ')}`,
      domainNames: props.domainNames,
      certificate: props.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: PRICE_CLASSES[props.priceClass],
      webAclId: props.webAclArn,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        ...toApi,
        allowedMethods: allowedMethods(DEFAULT_BEHAVIOUR_METHODS),
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Everything the viewer sent but Host: CloudFront sets Host to the origin's name, which its certificate covers.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      additionalBehaviors: Object.fromEntries(
        EDGE_BEHAVIOURS.map((b) => [b.pathPattern, { ...behaviours[b.serves], allowedMethods: allowedMethods(b.methods) }]),
      ),
      // CloudFront would keep these for 10 s, whatever Cache-Control says for 500, 502, 503 and 504.
      errorResponses: UNCACHED_ERROR_CODES.map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'The API serves every country; the firewall screens requests by behaviour (rules and rate), not by origin.',
    });
  }
}

/**
 * The bucket CloudFront writes its access logs to (with object ACLs, the only way its standard logs
 * are delivered), which also takes the page bucket's server access logs.
 */
export function edgeAccessLogs(scope: Construct, id: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This bucket is itself the access log of the CDN and the page bucket; logging access to it would only log the log writes.',
  });
  return bucket;
}
