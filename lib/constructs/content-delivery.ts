import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { PriceClass } from '../config';
import { WEB_PATH } from '../web-page';
import type { LoadBalancer } from './load-balancer';
import type { StaticPage } from './static-page';

/** The paths of the one thing the edge may keep: an item never changes once created. */
export const CACHEABLE_ITEM_PATHS = '/items/*';

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

const PRICE_CLASSES: Record<PriceClass, cloudfront.PriceClass> = {
  '100': cloudfront.PriceClass.PRICE_CLASS_100,
  '200': cloudfront.PriceClass.PRICE_CLASS_200,
  All: cloudfront.PriceClass.PRICE_CLASS_ALL,
};

/**
 * CloudFront in front of everything: clients reach the edge nearest them over HTTPS (HTTP
 * redirects), the firewall screens each request, and the edge answers what it may from its caches.
 *
 * - `/web/*`: the static page, from a private bucket read through origin access control.
 * - `/items/*`: the API, cached at the edge for as long as the service's Cache-Control says (items
 *   never change once created; errors and misses say `no-store`), keyed on the path alone.
 * - everything else (writes, `/`, health and readiness): the API, never cached, with the viewer's
 *   headers, cookies and query strings.
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
          contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
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
      code: cloudfront.FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          `  if (request.uri === '${WEB_PATH.slice(0, -1)}') return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '${WEB_PATH}' } } };`,
          "  if (request.uri.endsWith('/')) request.uri += 'index.html';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });

    const toApi: Omit<cloudfront.BehaviorOptions, 'cachePolicy'> = {
      origin: api,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      compress: true,
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
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Everything the viewer sent but Host: CloudFront sets Host to the origin's name, which its certificate covers.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      additionalBehaviors: {
        [CACHEABLE_ITEM_PATHS]: { ...toApi, cachePolicy: items },
        [`${WEB_PATH}*`]: {
          origin: origins.S3BucketOrigin.withOriginAccessControl(props.page.bucket),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: pageHeaders,
          functionAssociations: [{ function: indexFunction, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
          compress: true,
        },
      },
      // A 404 may be an item a lagging reader has not seen yet: never keep it at the edge.
      errorResponses: [{ httpStatus: 404, ttl: Duration.seconds(0) }],
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
