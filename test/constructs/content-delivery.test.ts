/** The CDN (lib/constructs/content-delivery.ts) with its page and internal load balancer, on a bare stack. */
import { runInNewContext } from 'node:vm';
import { fixtureTemplate } from '../support/synth-cache';
import { idOf, only, resources } from '../support/template';

const template = fixtureTemplate('content-delivery/https');
const [, distribution] = only(template, 'AWS::CloudFront::Distribution');
const config = distribution.Properties.DistributionConfig;

/** The CloudFront Function, run as CloudFront runs it: `handler(event)` on a viewer request. */
function viewerRequest(uri: string): any {
  const [, fn] = only(template, 'AWS::CloudFront::Function');
  expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
  return runInNewContext(`${fn.Properties.FunctionCode}\nhandler(event)`, { event: { request: { uri, method: 'GET', headers: {} } } });
}

test('the page function serves index.html for /web/, redirects /web to /web/, and leaves files alone', () => {
  expect(viewerRequest('/web/').uri).toBe('/web/index.html');
  expect(viewerRequest('/web/app.js').uri).toBe('/web/app.js');
  expect(viewerRequest('/web')).toEqual({
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: { location: { value: '/web/' } },
  });
  const [fnId] = only(template, 'AWS::CloudFront::Function');
  const page = config.CacheBehaviors.find((b: any) => b.PathPattern === '/web/*');
  expect(page.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } }]);
});

test('the page gets a strict content security policy: its own scripts, styles and API only, never framed', () => {
  const page = config.CacheBehaviors.find((b: any) => b.PathPattern === '/web/*');
  const policy = template.Resources[idOf(page.ResponseHeadersPolicyId)].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
  expect(policy.ContentSecurityPolicy.ContentSecurityPolicy).toBe(
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  expect(policy).toMatchObject({ FrameOptions: { FrameOption: 'DENY' }, StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000 } });
});

test('the API origin is the VPC origin of the internal load balancer, named as its certificate covers, HTTPS only', () => {
  const [vpcOriginId] = only(template, 'AWS::CloudFront::VpcOrigin');
  const origin = config.Origins.find((o: any) => o.VpcOriginConfig);
  expect(origin).toMatchObject({ DomainName: 'stage5-origin.api.example.com' });
  expect(idOf(origin.VpcOriginConfig.VpcOriginId)).toBe(vpcOriginId);
  expect(origin.VpcOriginConfig.OriginReadTimeout).toBe(30);
});

test('its access logs go to a private bucket that accepts CloudFront log delivery (object writer) and keeps them 90 days', () => {
  const [logsId, logs] = resources(template, 'AWS::S3::Bucket').find(([id]) => id.startsWith('AccessLogs'))!;
  expect(logs.Properties).toMatchObject({
    OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
    LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
  });
  expect(idOf(config.Logging.Bucket)).toBe(logsId);
});

test('snapshot', () => expect(template).toMatchSnapshot());
