/** The CDN (lib/constructs/content-delivery.ts) with its page and internal load balancer, on a bare stack. */
import { runInNewContext } from 'node:vm';
import { EDGE_BEHAVIOURS, matchesPathPattern, PAGE_CONTENT_SECURITY_POLICY, PAGE_FUNCTION_CODE } from '../../lib/edge-contract';
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
  // The very code the local edge runs.
  expect(only(template, 'AWS::CloudFront::Function')[1].Properties.FunctionCode).toBe(PAGE_FUNCTION_CODE);
});

test("the behaviours are EDGE_BEHAVIOURS, in its order (CloudFront's first match wins), the page ones with the page function", () => {
  const [fnId] = only(template, 'AWS::CloudFront::Function');
  const behaviours = config.CacheBehaviors.map((b: any) => ({
    pathPattern: b.PathPattern,
    serves: b.FunctionAssociations ? 'page' : 'items',
    methods: b.AllowedMethods,
  }));
  expect(behaviours).toEqual(EDGE_BEHAVIOURS);
  for (const page of config.CacheBehaviors.filter((b: any) => b.FunctionAssociations))
    expect(page.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } }]);
});

/** The behaviour CloudFront applies to `path` in this template: the first whose pattern matches, else the default. */
const behaviourFor = (path: string) =>
  config.CacheBehaviors.find((b: any) => matchesPathPattern(b.PathPattern, path)) ?? config.DefaultCacheBehavior;
const originOf = (behaviour: any) => config.Origins.find((o: any) => o.Id === behaviour.TargetOriginId);

test('on CloudFront, /web reaches the page function and redirects to /web/; /website and /WEB/ reach the API', () => {
  const web = behaviourFor('/web');
  expect([originOf(web).S3OriginConfig !== undefined, web.FunctionAssociations?.length]).toEqual([true, 1]);
  expect(viewerRequest('/web').statusCode).toBe(301);
  expect(originOf(behaviourFor('/web/')).S3OriginConfig).toBeDefined();
  for (const api of ['/website', '/WEB/', '/', '/readyz', '/items'])
    expect([api, originOf(behaviourFor(api)).VpcOriginConfig]).toEqual([api, expect.anything()]);
  expect(behaviourFor('/items/0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(config.CacheBehaviors[0]);
});

test('/items/* allows GET and HEAD only (its requests reach the service without Origin, Sec-Fetch-Site or cookie), the API default every method', () => {
  const items = behaviourFor('/items/0f8fad5b-d9cb-469f-a165-70867728950e');
  expect([items.AllowedMethods, items.CachedMethods, items.OriginRequestPolicyId]).toEqual([['GET', 'HEAD'], ['GET', 'HEAD'], undefined]);
  expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
  // Creating an item is POST /items, which /items/* does not match: the default behaviour's, with the viewer's headers.
  expect(behaviourFor('/items')).toBe(config.DefaultCacheBehavior);
});

test("what the service says about an answer reaches the viewer: the API behaviours' response headers policy adds headers and removes none", () => {
  // The managed SecurityHeadersPolicy: security headers added, nothing of the origin's removed, so
  // X-Data-Cache and X-Data-Source (which part of the data tier answered) reach the viewer as sent.
  // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
  const SECURITY_HEADERS_POLICY = '67f7725c-6f97-4210-82d7-5512b31e9d03';
  for (const api of ['/items/0f8fad5b-d9cb-469f-a165-70867728950e', '/items', '/readyz'])
    expect([api, behaviourFor(api).ResponseHeadersPolicyId]).toEqual([api, SECURITY_HEADERS_POLICY]);
  // Nor does a policy of the stack's own remove any header (the page's adds only).
  for (const [, policy] of resources(template, 'AWS::CloudFront::ResponseHeadersPolicy'))
    expect(policy.Properties.ResponseHeadersPolicyConfig.RemoveHeadersConfig).toBeUndefined();
});

test('no 5xx from an origin is kept at the edge, nor a 404 or 405: each has an error-caching minimum TTL of 0', () => {
  expect(config.CustomErrorResponses).toEqual(
    [404, 405, 500, 501, 502, 503, 504].map((ErrorCode) => ({ ErrorCode, ErrorCachingMinTTL: 0 })),
  );
});

test('the page gets a strict content security policy: its own scripts, styles and API only, never framed', () => {
  const page = config.CacheBehaviors.find((b: any) => b.PathPattern === '/web/*');
  const policy = template.Resources[idOf(page.ResponseHeadersPolicyId)].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
  expect(policy.ContentSecurityPolicy.ContentSecurityPolicy).toBe(PAGE_CONTENT_SECURITY_POLICY);
  expect(PAGE_CONTENT_SECURITY_POLICY).toBe(
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
