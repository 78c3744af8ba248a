import { CACHE_ACCESS_STRING } from '../../lib/data-contract';
import { pageFiles } from '../../lib/web-page';
import { stageOf, templateOf } from '../support/synth-cache';
import { type CfnTemplate, idOf, ingressRules, only, resources, statementsOf, subnetTier, userDataText } from '../support/template';
import { CACHE_CDN_ALTERED, REAL_PLACE } from '../support/variants';
import { describeLoadBalancedFront, webTierOf } from './load-balanced-front';

const CLOUDFRONT_PREFIX_LIST = 'prefix list com.amazonaws.global.cloudfront.origin-facing';

/** The settings the web app gets: its host's user data, or its container's environment. */
const appEnvironment = (template: CfnTemplate): string => {
  const launch = resources(template, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScaling'));
  return launch
    ? userDataText(launch[1].Properties.LaunchTemplateData.UserData)
    : JSON.stringify(only(template, 'AWS::ECS::TaskDefinition')[1].Properties.ContainerDefinitions[0].Environment);
};

const distributionOf = (template: CfnTemplate) => {
  const [id, distribution] = only(template, 'AWS::CloudFront::Distribution');
  return { id, config: distribution.Properties.DistributionConfig };
};

describe('Stage 5 — cache tier and CDN', () => {
  describeLoadBalancedFront(5);

  describe.each([
    ['ec2', 'true'],
    ['ecs', 'true'],
    ['ec2', 'false'],
  ])('with webTier=%s https=%s', (webTier, https) => {
    const template = templateOf(5, { webTier, https });
    const [loadBalancerId, loadBalancer] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const loadBalancerGroup = idOf(loadBalancer.Properties.SecurityGroups[0]);
    const { id: distributionId, config } = distributionOf(template);
    const port = https === 'true' ? 443 : 80;

    test(`nothing accepts the internet: the internal load balancer admits only CloudFront's origin-facing addresses, on ${port}`, () => {
      expect(ingressRules(template).filter((r) => r.from === '0.0.0.0/0' || r.from === '::/0')).toEqual([]);
      expect(ingressRules(template).filter((r) => r.group === loadBalancerGroup)).toEqual([
        expect.objectContaining({ from: CLOUDFRONT_PREFIX_LIST, fromPort: port, toPort: port }),
      ]);
      expect(resources(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties.Port)).toEqual([port]);
    });

    test('CloudFront reaches the load balancer as a VPC origin, over HTTPS when https is on', () => {
      const [vpcOriginId, vpcOrigin] = only(template, 'AWS::CloudFront::VpcOrigin');
      expect(vpcOrigin.Properties.VpcOriginEndpointConfig).toMatchObject({
        Arn: { Ref: loadBalancerId },
        OriginProtocolPolicy: https === 'true' ? 'https-only' : 'http-only',
        OriginSSLProtocols: ['TLSv1.2'],
      });
      const origin = config.Origins.find((o: any) => o.VpcOriginConfig);
      expect(idOf(origin.VpcOriginConfig.VpcOriginId)).toBe(vpcOriginId);
      if (https === 'true') {
        // The name CloudFront gives the load balancer: its certificate covers it, and it resolves to it.
        expect(origin.DomainName).toBe('stage5-origin.api.example.com');
        const loadBalancerCertificate = resources(template, 'AWS::CertificateManager::Certificate').find(([id]) =>
          id.startsWith('LoadBalancer'),
        )!;
        expect(loadBalancerCertificate[1].Properties).toMatchObject({
          DomainName: 'api.example.com',
          SubjectAlternativeNames: ['stage5-origin.api.example.com'],
        });
        const origins = resources(template, 'AWS::Route53::RecordSet').filter(([, r]) => r.Properties.Name.startsWith('stage5-origin.'));
        expect(origins.map(([, r]) => [r.Properties.Type, idOf(r.Properties.AliasTarget.DNSName['Fn::Join'][1][1])])).toEqual([
          ['A', loadBalancerId],
        ]);
      } else {
        expect(JSON.stringify(origin.DomainName)).toContain(loadBalancerId);
        // Only the edge's certificate: the load balancer has none.
        expect(resources(template, 'AWS::CertificateManager::Certificate').map(([id]) => id)).toEqual([expect.stringMatching(/^Edge/)]);
      }
    });

    test('api.<domain> is a weighted A and AAAA alias to the distribution (IPv6 too, as the stage carries the name)', () => {
      const published = resources(template, 'AWS::Route53::RecordSet').filter(([, r]) => r.Properties.SetIdentifier);
      expect(published.map(([, r]) => [r.Properties.Name, r.Properties.Type, r.Properties.SetIdentifier, r.Properties.Weight])).toEqual([
        ['api.example.com.', 'A', 'Stage5-CacheAndCdn', 100],
        ['api.example.com.', 'AAAA', 'Stage5-CacheAndCdn', 100],
      ]);
      for (const [, record] of published)
        expect(record.Properties.AliasTarget.DNSName).toEqual({ 'Fn::GetAtt': [distributionId, 'DomainName'] });
      expect([template.Outputs?.Url.Value, template.Outputs?.Record.Value]).toEqual([
        'https://api.example.com/',
        'api.example.com A and AAAA weighted, set identifier Stage5-CacheAndCdn, weight 100',
      ]);
    });

    test("the edge serves api.<domain> and the stage's own name over TLS 1.2+ with a DNS-validated certificate, HTTP/2 and 3, behind the firewall, logging to S3", () => {
      expect(config).toMatchObject({
        Aliases: ['api.example.com', 'stage5.api.example.com'],
        HttpVersion: 'http2and3',
        IPV6Enabled: true,
        PriceClass: 'PriceClass_100',
        ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
        Logging: { Prefix: 'cloudfront/' },
      });
      const [edgeCertificateId, edgeCertificate] = resources(template, 'AWS::CertificateManager::Certificate').find(([id]) =>
        id.startsWith('Edge'),
      )!;
      expect(edgeCertificate.Properties).toMatchObject({
        DomainName: 'api.example.com',
        SubjectAlternativeNames: ['stage5.api.example.com'],
        ValidationMethod: 'DNS',
      });
      expect(idOf(config.ViewerCertificate.AcmCertificateArn)).toBe(edgeCertificateId);
      expect(config.WebACLId).toEqual({ 'Fn::GetAtt': [only(template, 'AWS::WAFv2::WebACL')[0], 'Arn'] });
    });

    test('every behavior redirects HTTP to HTTPS; only items and the page are cached, items by path alone', () => {
      const behaviors = [config.DefaultCacheBehavior, ...config.CacheBehaviors];
      expect(behaviors.map((b) => b.ViewerProtocolPolicy)).toEqual(Array(4).fill('redirect-to-https'));
      const byPath = Object.fromEntries(behaviors.map((b) => [b.PathPattern ?? 'default', b]));
      expect(Object.keys(byPath)).toEqual(['default', '/items/*', '/web', '/web/*']);
      expect(byPath['/web']).toEqual({ ...byPath['/web/*'], PathPattern: '/web' });
      // Managed policies: CachingDisabled, AllViewerExceptHostHeader, CachingOptimized.
      expect(byPath.default).toMatchObject({
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      });
      expect(byPath['/web/*'].CachePolicyId).toBe('658327ea-f89d-4fab-a63d-7e88639e58f6');
      const itemsPolicy = template.Resources[idOf(byPath['/items/*'].CachePolicyId)].Properties.CachePolicyConfig;
      expect(itemsPolicy).toMatchObject({
        DefaultTTL: 0,
        MinTTL: 0,
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'none' },
        },
      });
      expect(byPath['/items/*'].OriginRequestPolicyId).toBeUndefined();
      // Without an origin request policy the service would see a write there without Origin, Sec-Fetch-Site or cookie: reads only.
      expect(byPath['/items/*'].AllowedMethods).toEqual(['GET', 'HEAD']);
      expect(byPath['/items/*'].TargetOriginId).toBe(byPath.default.TargetOriginId);
      // A 404 may be an item a lagging reader has not seen, and a 5xx is a moment's failure: never kept at the edge.
      expect(config.CustomErrorResponses).toEqual(
        [404, 405, 500, 501, 502, 503, 504].map((ErrorCode) => ({ ErrorCode, ErrorCachingMinTTL: 0 })),
      );
    });

    test('the managed cache: Valkey 8 serverless across the isolated subnets of both zones, admitting only the web tier', () => {
      const [, cache] = only(template, 'AWS::ElastiCache::ServerlessCache');
      expect(cache.Properties).toMatchObject({
        Engine: 'valkey',
        MajorEngineVersion: '8',
        CacheUsageLimits: { DataStorage: { Maximum: 1, Unit: 'GB' }, ECPUPerSecond: { Maximum: 10000 } },
        SnapshotRetentionLimit: 0,
      });
      expect(cache.Properties.SubnetIds.map((s: unknown) => subnetTier(template, s))).toEqual(['Isolated', 'Isolated']);
      const cacheGroup = idOf(cache.Properties.SecurityGroupIds[0]);
      expect(ingressRules(template).filter((r) => r.group === cacheGroup)).toEqual([
        { group: cacheGroup, from: webTierOf(template).group, fromPort: 6379, toPort: 6380 },
      ]);
    });

    test("every connection to the cache authenticates: its one user is the app's, limited to its own keys, its password passed by reference", () => {
      const [, cache] = only(template, 'AWS::ElastiCache::ServerlessCache');
      const group = template.Resources[idOf(cache.Properties.UserGroupId)];
      const users = group.Properties.UserIds.map((ref: unknown) => template.Resources[idOf(ref)].Properties);
      expect(users.map((u: any) => [u.UserName, u.AccessString, u.AuthenticationMode.Type])).toEqual([
        ['app', CACHE_ACCESS_STRING, 'password'],
      ]);
      expect(JSON.stringify(users[0].AuthenticationMode.Passwords)).toMatch(/^\[\{"Fn::Join":\["",\["\{\{resolve:secretsmanager:",/);
    });

    test('the web app finds the cache over TLS and reads its credentials from Secrets Manager; it is given no password', () => {
      const [cacheId] = only(template, 'AWS::ElastiCache::ServerlessCache');
      const environment = appEnvironment(template);
      expect(environment).toMatch(
        webTier === 'ec2'
          ? new RegExp(`CACHE_URL=rediss://\\$\\{${cacheId}\\.Endpoint\\.Address\\}:6379`)
          : new RegExp(
              `"CACHE_URL","Value":\\{"Fn::Join":\\["",\\["rediss://",\\{"Fn::GetAtt":\\["${cacheId}","Endpoint.Address"\\]\\},":6379"`,
            ),
      );
      const credentials = resources(template, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('CacheCredentials'))!;
      expect(credentials[1].Properties.GenerateSecretString).toMatchObject({
        SecretStringTemplate: '{"username":"app"}',
        GenerateStringKey: 'password',
      });
      expect(environment).toContain('CACHE_SECRET_ARN');
      expect(environment).not.toMatch(/password|resolve:secretsmanager/i);
      const reads = statementsOf(template, webTierOf(template).roleLogicalId).filter((s) =>
        JSON.stringify(s.Resource).includes(credentials[0]),
      );
      expect(reads).toEqual([expect.objectContaining({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] })]);
    });

    test("the web app trusts the names the distribution serves the page on as origins (behind CloudFront its Host is the load balancer's)", () => {
      const trusted = 'https://api.example.com,https://stage5.api.example.com';
      expect(config.Aliases.map((name: string) => `https://${name}`).join(',')).toBe(trusted);
      expect(appEnvironment(template)).toMatch(
        webTier === 'ec2' ? new RegExp(`^TRUSTED_ORIGINS=${trusted}$`, 'm') : `{"Name":"TRUSTED_ORIGINS","Value":"${trusted}"}`,
      );
    });

    test("must not contain an internet-facing load balancer, a public web server, or an Elastic IP but the NAT gateways'", () => {
      expect(loadBalancer.Properties.Scheme).toBe('internal');
      expect(resources(template, 'AWS::EC2::Instance')).toEqual([]);
      const natAddresses = resources(template, 'AWS::EC2::NatGateway').map(([, nat]) => idOf(nat.Properties.AllocationId));
      expect(resources(template, 'AWS::EC2::EIP').map(([id]) => id)).toEqual(natAddresses);
    });
  });

  describe('one distribution at a time carries the API name', () => {
    test('the stage always has its own name, stage5.api.<domain>, on its distribution and in DNS, under the logical ids it was first deployed with', () => {
      const template = templateOf(5);
      const { id } = distributionOf(template);
      const own = resources(template, 'AWS::Route53::RecordSet').filter(([, r]) => r.Properties.Name === 'stage5.api.example.com.');
      expect(own.map(([, r]) => [r.Properties.Type, r.Properties.AliasTarget.DNSName, r.Properties.SetIdentifier])).toEqual([
        ['A', { 'Fn::GetAtt': [id, 'DomainName'] }, undefined],
        ['AAAA', { 'Fn::GetAtt': [id, 'DomainName'] }, undefined],
      ]);
      // Under a new logical id CloudFormation would create the record before deleting the old one, which Route 53 refuses.
      expect(own.map(([logicalId]) => logicalId)).toEqual(['OwnNameRecord1AF421F4', 'OwnNameIpv6Record753C2E53']);
    });

    describe('with weight 0, the distribution leaves api.<domain> to the CDN stage that carries it', () => {
      const template = templateOf(5, { weight: '{"5":0}' });

      test('must not: api.<domain> on the distribution, or a record of api.<domain> of any type (one aliasing a distribution without the name is invalid)', () => {
        expect(distributionOf(template).config.Aliases).toEqual(['stage5.api.example.com']);
        const names = resources(template, 'AWS::Route53::RecordSet').map(([, r]) => r.Properties.Name);
        expect(names).not.toContain('api.example.com.');
        expect(names.sort()).toEqual(['stage5-origin.api.example.com.', 'stage5.api.example.com.', 'stage5.api.example.com.']);
      });

      test('the outputs say where it answers, and that it does not carry api.<domain>', () => {
        expect(template.Outputs?.Url.Value).toBe('https://stage5.api.example.com/');
        expect(template.Outputs?.Record.Value).toBe(
          'stage5.api.example.com A and AAAA, not weighted; at weight 0 this stage does not carry api.example.com, and publishes no record of it',
        );
      });

      test('verification judges the own name: its plain records, asked for by that name', () => {
        const [, verification] = resources(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('VerificationFunction'))!;
        expect(verification.Properties.Environment.Variables).toMatchObject({
          RECORD_NAME: 'stage5.api.example.com',
          ROUTING: 'simple',
          RECORD_TYPES: 'A,AAAA',
          HOST_NAME: 'stage5.api.example.com',
          TARGET_KIND: 'cdn',
        });
      });

      test("the web app's environment does not follow the weight (a change there would replace the servers)", () => {
        expect(appEnvironment(template)).toBe(appEnvironment(templateOf(5)));
      });
    });
  });

  describe('the web application firewall', () => {
    const rulesOf = (template: CfnTemplate) => only(template, 'AWS::WAFv2::WebACL')[1].Properties;

    test('by default blocks: a per-address rate limit of 2000 in 5 minutes answered 429, then the common and known-bad-input rule sets', () => {
      const acl = rulesOf(templateOf(5));
      expect(acl).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
      expect(acl.Rules.map((r: any) => [r.Priority, r.Name])).toEqual([
        [0, 'RateLimitPerAddress'],
        [1, 'AWSManagedRulesCommonRuleSet'],
        [2, 'AWSManagedRulesKnownBadInputsRuleSet'],
      ]);
      expect(acl.Rules[0]).toMatchObject({
        Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
        Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'RateLimited' } } },
      });
      expect(JSON.parse(acl.CustomResponseBodies.RateLimited.Content).error).toMatch(/too many requests/);
      expect(acl.Rules.slice(1).map((r: any) => r.OverrideAction)).toEqual([{ None: {} }, { None: {} }]);
      // The service answers an oversized body with its own 413, which says what to do.
      expect(acl.Rules[1].Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([
        { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
      ]);
    });

    test('in count mode blocks nothing: every rule only counts, at the configured rate', () => {
      const acl = rulesOf(templateOf(5, CACHE_CDN_ALTERED));
      expect(acl.Rules[0]).toMatchObject({ Statement: { RateBasedStatement: { Limit: 500 } }, Action: { Count: {} } });
      expect(acl.Rules.slice(1).map((r: any) => r.OverrideAction)).toEqual([{ Count: {} }, { Count: {} }]);
      expect(JSON.stringify(acl)).not.toContain('"Block"');
    });
  });

  test('the cache limits and the price class come from the configuration', () => {
    const template = templateOf(5, CACHE_CDN_ALTERED);
    expect(only(template, 'AWS::ElastiCache::ServerlessCache')[1].Properties.CacheUsageLimits).toEqual({
      DataStorage: { Maximum: 10, Unit: 'GB' },
      ECPUPerSecond: { Maximum: 50000 },
    });
    expect(distributionOf(template).config.PriceClass).toBe('PriceClass_All');
  });

  test("a change to the distribution alone (its price class) runs the deployment verification again: the trigger's digest covers it", () => {
    const [template, altered] = [templateOf(5), templateOf(5, CACHE_CDN_ALTERED)];
    const web = (t: CfnTemplate) => resources(t, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScalingWebTier'))![1];
    expect(web(altered)).toEqual(web(template));
    const trigger = (t: CfnTemplate) => only(t, 'Custom::Trigger')[1].Properties;
    expect(trigger(altered).Serving).toEqual(trigger(template).Serving);
    expect(trigger(altered).ServingDigest).not.toBe(trigger(template).ServingDigest);
  });

  describe('the page', () => {
    const template = templateOf(5);
    const [bucketId, bucket] = resources(template, 'AWS::S3::Bucket').find(([id]) => id.startsWith('PageBucket'))!;

    test('each file of web/ is written to a private bucket with its content type, and deleted with the stage', () => {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      // Each SDK call, with the bucket's reference in place of its name.
      const calls = resources(template, 'Custom::AWS').map(([, r]) => {
        const parts: unknown[] = r.Properties.Create['Fn::Join']?.[1] ?? [r.Properties.Create];
        return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : `<${idOf(p)}>`)).join(''));
      });
      const puts = calls.filter((c) => c.action === 'putObject').map((c) => c.parameters);
      expect(puts).toEqual(
        pageFiles().map((file) => ({
          Bucket: `<${bucketId}>`,
          Key: `web/${file.name}`,
          Body: file.body,
          ContentType: file.contentType,
          CacheControl: 'public, max-age=60',
        })),
      );
      expect(bucket.DeletionPolicy).toBe('Delete');
    });

    test('only this distribution reads the bucket, through origin access control', () => {
      const { id: distributionId, config } = distributionOf(template);
      const origin = config.Origins.find((o: any) => o.S3OriginConfig);
      expect(idOf(origin.OriginAccessControlId)).toBe(only(template, 'AWS::CloudFront::OriginAccessControl')[0]);
      const policy = resources(template, 'AWS::S3::BucketPolicy').find(([, p]) => idOf(p.Properties.Bucket) === bucketId)![1];
      const reads = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
      expect(reads).toEqual([
        expect.objectContaining({
          Action: 's3:GetObject',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Condition: { StringEquals: { 'AWS:SourceArn': expect.objectContaining({ 'Fn::Join': expect.anything() }) } },
        }),
      ]);
      expect(JSON.stringify(reads[0].Condition)).toContain(distributionId);
    });
  });

  describe('in a region other than us-east-1', () => {
    const synthesized = stageOf(5, REAL_PLACE);

    test('the certificate and the firewall are in a companion stack in us-east-1, whose outputs the stage reads across regions', () => {
      expect(synthesized.environment).toBe('aws://210987654321/eu-west-1');
      expect(synthesized.companions.map((c) => [c.stackName, c.environment])).toEqual([
        ['Stage5-CacheAndCdn-Edge', 'aws://210987654321/us-east-1'],
      ]);
      const edge = synthesized.companions[0].template;
      expect(only(edge, 'AWS::CertificateManager::Certificate')[1].Properties.DomainName).toBe('api.mysite.com');
      expect(only(edge, 'AWS::WAFv2::WebACL')[1].Properties.Scope).toBe('CLOUDFRONT');

      const stage = synthesized.template;
      expect(resources(stage, 'AWS::WAFv2::WebACL')).toEqual([]);
      // The stage's own certificate is the load balancer's (for the origin), in its region.
      expect(resources(stage, 'AWS::CertificateManager::Certificate').map(([, c]) => c.Properties.SubjectAlternativeNames)).toEqual([
        ['stage5-origin.api.mysite.com'],
      ]);
      const { config } = distributionOf(stage);
      for (const value of [config.ViewerCertificate.AcmCertificateArn, config.WebACLId]) {
        expect(value).toEqual({
          'Fn::GetStackOutput': { StackName: 'Stage5-CacheAndCdn-Edge', Region: 'us-east-1', OutputName: expect.any(String) },
        });
        expect(Object.keys(edge.Outputs ?? {})).toContain(value['Fn::GetStackOutput'].OutputName);
      }
    });
  });
});
