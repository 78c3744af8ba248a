/** A CDN stage's own name (lib/constructs/own-name-record.ts), on a bare stack with a distribution. */
import { fixtureTemplate } from '../support/synth-cache';
import { only, resources } from '../support/template';

const template = fixtureTemplate('own-name-record/cdn');
const [distributionId] = only(template, 'AWS::CloudFront::Distribution');

test("an A and an AAAA alias of the name to the distribution, in CloudFront's hosted zone, not weighted", () => {
  const records = resources(template, 'AWS::Route53::RecordSet').map(([, r]) => r.Properties);
  expect(records.map((r) => r.Type)).toEqual(['A', 'AAAA']);
  for (const record of records) {
    expect(record).toEqual({
      Name: 'stage6.api.example.com.',
      Type: record.Type,
      HostedZoneId: 'Z0000000000000EXAMPLE',
      AliasTarget: { DNSName: { 'Fn::GetAtt': [distributionId, 'DomainName'] }, HostedZoneId: expect.anything() },
      Comment: 'zero-to-millions Stage6-Stateless: its own name',
    });
  }
  expect(JSON.stringify((template as { Mappings?: unknown }).Mappings)).toContain('Z2FDTNDATAQYW2');
});

test("must not: a set identifier, a weight or a TTL (an alias answers with its target's), or outputs of its own", () => {
  for (const [, r] of resources(template, 'AWS::Route53::RecordSet'))
    expect([r.Properties.SetIdentifier, r.Properties.Weight, r.Properties.TTL]).toEqual([undefined, undefined, undefined]);
  expect(template.Outputs).toBeUndefined();
});
