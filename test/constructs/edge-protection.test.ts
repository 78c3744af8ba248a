/** The edge's certificate and firewall (lib/constructs/edge-protection.ts), on a bare stack in us-east-1. */
import { RATE_LIMITED_BODY } from '../../lib/edge-contract';
import { fixtureTemplate } from '../support/synth-cache';
import { only } from '../support/template';

const block = fixtureTemplate('edge-protection/block');
const count = fixtureTemplate('edge-protection/count');
const aclOf = (template: typeof block) => only(template, 'AWS::WAFv2::WebACL')[1].Properties;

test('a DNS-validated certificate for the API name', () => {
  expect(only(block, 'AWS::CertificateManager::Certificate')[1].Properties).toMatchObject({
    DomainName: 'api.example.com',
    ValidationMethod: 'DNS',
    DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: 'Z0000000000000EXAMPLE' }],
  });
});

test('a CloudFront web ACL that allows by default, with metrics and samples for itself and each rule', () => {
  const acl = aclOf(block);
  expect(acl).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  for (const visibility of [acl.VisibilityConfig, ...acl.Rules.map((r: any) => r.VisibilityConfig)]) {
    expect(visibility).toMatchObject({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true });
    expect(visibility.MetricName).toMatch(/^[\w-]+$/);
  }
  expect(acl.Description).toMatch(/^[a-zA-Z0-9=:#@/\-,.][a-zA-Z0-9+=:#@/\-,.\s]+[a-zA-Z0-9+=:#@/\-,.]$/); // what WAF accepts
});

test('block mode: over the rate, 429 with a JSON body that says why; managed rules block, but for the body size rule', () => {
  const acl = aclOf(block);
  expect(acl.Rules[0].Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'RateLimited' } } });
  expect(acl.CustomResponseBodies).toEqual({ RateLimited: { ContentType: 'APPLICATION_JSON', Content: RATE_LIMITED_BODY } });
  expect(acl.Rules.slice(1).map((r: any) => [r.Statement.ManagedRuleGroupStatement.Name, r.OverrideAction])).toEqual([
    ['AWSManagedRulesCommonRuleSet', { None: {} }],
    ['AWSManagedRulesKnownBadInputsRuleSet', { None: {} }],
  ]);
});

test('count mode: the rate rule and both rule groups only count, at the rate given', () => {
  const acl = aclOf(count);
  expect(acl.Rules[0]).toMatchObject({ Action: { Count: {} }, Statement: { RateBasedStatement: { Limit: 100 } } });
  expect(acl.Rules.slice(1).map((r: any) => r.OverrideAction)).toEqual([{ Count: {} }, { Count: {} }]);
});

test('snapshot', () => expect(block).toMatchSnapshot());
