/** The internet-facing load balancer (lib/constructs/load-balancer.ts), on a bare stack. */
import { fixtureTemplate } from '../support/synth-cache';
import { idOf, ingressRules, only, resources, subnetTier } from '../support/template';

describe('with HTTPS', () => {
  const template = fixtureTemplate('load-balancer/https');
  const [, loadBalancer] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');

  test('internet-facing in the public subnets, dropping invalid headers, defensive against desync', () => {
    expect(loadBalancer.Properties.Scheme).toBe('internet-facing');
    expect(loadBalancer.Properties.Subnets.map((ref: { Ref: string }) => subnetTier(template, ref))).toEqual(['Public', 'Public']);
    expect(loadBalancer.Properties.LoadBalancerAttributes).toEqual(
      expect.arrayContaining([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'routing.http.desync_mitigation_mode', Value: 'defensive' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    );
  });

  test('access logs go to an encrypted, private, TLS-only bucket kept 90 days', () => {
    const [bucketId, bucket] = only(template, 'AWS::S3::Bucket');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
    });
    const policy = resources(template, 'AWS::S3::BucketPolicy').find(([, p]) => idOf(p.Properties.Bucket) === bucketId)![1];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  test('a DNS-validated certificate, the TLS 1.3 policy on 443, HTTP redirected permanently', () => {
    const [certificateId, certificate] = only(template, 'AWS::CertificateManager::Certificate');
    expect(certificate.Properties).toMatchObject({ DomainName: 'api.example.com', ValidationMethod: 'DNS' });
    const listeners = resources(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties);
    expect(listeners).toEqual([
      expect.objectContaining({
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: { Ref: certificateId } }],
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      }),
      expect.objectContaining({
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'redirect', RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' } }],
      }),
    ]);
    expect(ingressRules(template).map((r) => [r.from, r.fromPort])).toEqual([
      ['0.0.0.0/0', 443],
      ['0.0.0.0/0', 80],
    ]);
  });

  test('a fast but safe health check on /healthz, and a 30 s deregistration delay', () => {
    expect(only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup')[1].Properties).toMatchObject({
      HealthCheckPath: '/healthz',
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      Matcher: { HttpCode: '200' },
      Port: 80,
      Protocol: 'HTTP',
      TargetGroupAttributes: expect.arrayContaining([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });

  test('snapshot', () => expect(template).toMatchSnapshot());
});

test('without HTTPS: one HTTP listener that forwards to the port given, no certificate, nothing open on 443', () => {
  const template = fixtureTemplate('load-balancer/http');
  expect(only(template, 'AWS::ElasticLoadBalancingV2::Listener')[1].Properties).toMatchObject({
    Port: 80,
    Protocol: 'HTTP',
    DefaultActions: [expect.objectContaining({ Type: 'forward' })],
  });
  expect(only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup')[1].Properties.Port).toBe(8080);
  expect(resources(template, 'AWS::CertificateManager::Certificate')).toEqual([]);
  expect(ingressRules(template).map((r) => r.fromPort)).toEqual([80]);
});

describe('reached only by the CDN', () => {
  test.each([
    ['cdn-https', 443, 'HTTPS'],
    ['cdn-http', 80, 'HTTP'],
  ] as const)('%s: internal, in the private subnets, one listener on %i, admitting only CloudFront', (variant, port, protocol) => {
    const template = fixtureTemplate(`load-balancer/${variant}`);
    const [, loadBalancer] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(loadBalancer.Properties.Scheme).toBe('internal');
    expect(loadBalancer.Properties.Subnets.map((ref: { Ref: string }) => subnetTier(template, ref))).toEqual(['Private', 'Private']);
    expect(resources(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => [l.Properties.Port, l.Properties.Protocol])).toEqual(
      [[port, protocol]],
    );
    // The prefix list's id differs by region: a lookup at deploy time finds it by name.
    expect(ingressRules(template)).toEqual([
      expect.objectContaining({ from: 'prefix list com.amazonaws.global.cloudfront.origin-facing', fromPort: port, toPort: port }),
    ]);
    const [lookupId, lookup] = only(template, 'Custom::AWS');
    expect(JSON.parse(lookup.Properties.Create)).toMatchObject({ service: 'EC2', action: 'describeManagedPrefixLists' });
    const lookupPolicy = resources(template, 'AWS::IAM::Policy').find(([id]) => id.startsWith('LoadBalancerCloudFrontOriginFacing'))![1];
    expect(lookupPolicy.Properties.PolicyDocument.Statement).toEqual([
      { Action: 'ec2:DescribeManagedPrefixLists', Effect: 'Allow', Resource: '*' },
    ]);
    expect(JSON.stringify(template.Resources)).toContain(lookupId);
  });

  test('over HTTPS, the certificate also covers the name CloudFront uses for it', () => {
    const template = fixtureTemplate('load-balancer/cdn-https');
    expect(only(template, 'AWS::CertificateManager::Certificate')[1].Properties).toMatchObject({
      DomainName: 'api.example.com',
      SubjectAlternativeNames: ['stage5-origin.api.example.com'],
    });
  });

  test('pauseWrites works the same behind the CDN', () => {
    const template = fixtureTemplate('load-balancer/cdn-http');
    expect(only(template, 'AWS::ElasticLoadBalancingV2::ListenerRule')[1].Properties.Actions[0].FixedResponseConfig.StatusCode).toBe('503');
  });
});
