/**
 * The invariants (lib/checks/invariants.ts) hold on every template the suite synthesizes, and each
 * of them finds the fault it is about: a template with that one fault fails exactly that invariant.
 * `npm run test:matrix` checks them on every option combination, with validation and cdk-nag.
 */
import { INVARIANTS, type Subject, subjectOf, violationsOf } from '../../lib/checks/invariants';
import type { Overrides } from '../../lib/synth';
import { templateOf } from '../support/synth-cache';
import { type CfnTemplate, only, resources } from '../support/template';
import { VARIANTS } from '../support/variants';

const subject = (template: CfnTemplate): Subject => subjectOf(template)!;

test.each(VARIANTS.map((v) => [v.name, v] as const))('%s: every invariant holds', (_name, { stage, overrides }) => {
  expect(violationsOf(subject(templateOf(stage, overrides)))).toEqual({});
});

/** A copy of a stage template with one fault put in. */
function withFault(stage: 1 | 2 | 3, overrides: Overrides, fault: (t: any) => void): Subject {
  const copy = structuredClone(templateOf(stage, overrides)) as CfnTemplate;
  fault(copy);
  return subject(copy);
}
const first = (t: CfnTemplate, type: string): any => only(t, type)[1];

const FAULTS: Record<string, Subject> = {
  // The single server's group opened to the world on SSH.
  'ZTM-1': withFault(1, {}, (t) => {
    const [groupId] = resources(t, 'AWS::EC2::SecurityGroup')[0];
    t.Resources.Ssh = {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: { GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] }, CidrIp: '0.0.0.0/0', FromPort: 22, ToPort: 22, IpProtocol: 'tcp' },
    };
  }),
  'ZTM-2': withFault(3, {}, (t) => {
    const db = first(t, 'AWS::RDS::DBInstance');
    t.Resources.Open = {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: { GroupId: db.Properties.VPCSecurityGroups[0], CidrIp: '10.0.0.0/8', FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' },
    };
  }),
  'ZTM-3': withFault(3, {}, (t) => (first(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.KeyName = 'ops')),
  'ZTM-4': withFault(1, {}, (t) => (first(t, 'AWS::EC2::Instance').Properties.MetadataOptions = { HttpTokens: 'optional' })),
  'ZTM-5': withFault(2, {}, (t) => (first(t, 'AWS::RDS::DBInstance').Properties.StorageEncrypted = false)),
  'ZTM-6': withFault(2, {}, (t) => (first(t, 'AWS::RDS::DBInstance').Properties.PubliclyAccessible = true)),
  'ZTM-7': withFault(3, { webTier: 'ecs' }, (t) =>
    first(t, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions[0].Environment.push({ Name: 'DB_PASSWORD', Value: 'hunter2' }),
  ),
  'ZTM-8': withFault(2, { dataStore: 'dynamodb' }, (t) => (first(t, 'AWS::DynamoDB::Table').DeletionPolicy = 'Delete')),
  'ZTM-9': withFault(1, {}, (t) => delete first(t, 'AWS::EC2::Instance').DeletionPolicy),
  'ZTM-10': withFault(3, {}, (t) => (first(t, 'AWS::AutoScaling::AutoScalingGroup').Properties.MinSize = '1')),
  'ZTM-11': withFault(
    3,
    { webTier: 'ecs' },
    (t) => (first(t, 'AWS::ECS::Service').Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp = 'ENABLED'),
  ),
};
test('there is a fault for every invariant', () => {
  expect(Object.keys(FAULTS).sort()).toEqual(INVARIANTS.map((i) => i.id).sort());
});

test.each(INVARIANTS.map((i) => [`${i.id} ${i.name}`, i] as const))('%s: finds its fault', (_name, invariant) => {
  const found = Object.keys(violationsOf(FAULTS[invariant.id])).map((key) => key.split(' ')[0]);
  expect(found).toContain(invariant.id);
});
