/** The weighted api.<domain> record of a stage (lib/constructs/api-record.ts), on a bare stack. */
import { fixtureTemplate } from '../support/synth-cache';
import { only } from '../support/template';

const template = fixtureTemplate('api-record/ip');

test('a weighted A record with the stage as set identifier, a short TTL, in the imported zone', () => {
  const [ipId] = only(template, 'AWS::EC2::EIP');
  expect(only(template, 'AWS::Route53::RecordSet')[1].Properties).toEqual({
    Name: 'api.example.com.',
    Type: 'A',
    HostedZoneId: 'Z0000000000000EXAMPLE',
    ResourceRecords: [{ Ref: ipId }],
    TTL: '60',
    SetIdentifier: 'Stage1-SingleServer',
    Weight: 30,
    Comment: 'zero-to-millions Stage1-SingleServer',
  });
});

test('must not: outputs of its own (the stage says which of its names it publishes)', () => {
  expect(template.Outputs).toBeUndefined();
});
