/**
 * The invariants (lib/checks/invariants.ts) hold on every template the suite synthesizes, and each
 * of them finds the fault it is about: a template with that one fault fails exactly that invariant.
 * `npm run test:matrix` checks them on every option combination, with validation and cdk-nag.
 */
import { INVARIANTS, type Subject, subjectOf, violationsOf } from '../../lib/checks/invariants';
import type { StageNumber } from '../../lib/config';
import type { Overrides } from '../../lib/synth';
import { templateOf } from '../support/synth-cache';
import { type CfnTemplate, only, resources } from '../support/template';
import { VARIANTS } from '../support/variants';

const subject = (template: CfnTemplate): Subject => subjectOf(template)!;

test.each(VARIANTS.map((v) => [v.name, v] as const))('%s: every invariant holds', (_name, { stage, overrides }) => {
  expect(violationsOf(subject(templateOf(stage, overrides)))).toEqual({});
});

/** A copy of a stage template with one fault put in. */
function withFault(stage: StageNumber, overrides: Overrides, fault: (t: any) => void): Subject {
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
  'ZTM-3': withFault(3, {}, (t) => {
    const [, launch] = resources(t, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScalingWebTier'))!;
    launch.Properties.LaunchTemplateData.KeyName = 'ops';
  }),
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
  // Stage 5's load balancer back on the internet, as in stage 4: the CDN would no longer be the only way in.
  'ZTM-12': withFault(5, {}, (t) => (first(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.Scheme = 'internet-facing')),
  // The cache's group opened to the whole VPC.
  'ZTM-13': withFault(5, {}, (t) => {
    const cache = first(t, 'AWS::ElastiCache::ServerlessCache');
    t.Resources.Open = {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: { GroupId: cache.Properties.SecurityGroupIds[0], CidrIp: '10.0.0.0/16', FromPort: 6379, ToPort: 6379, IpProtocol: 'tcp' },
    };
  }),
  // A NAT instance that nothing reboots when its status check fails.
  'ZTM-15': withFault(3, {}, (t) => {
    for (const [id] of resources(t, 'AWS::CloudWatch::Alarm')) delete t.Resources[id];
  }),
  // Stage 6's web tier told to keep sessions in memory, while it runs on Spot.
  'ZTM-14': withFault(6, { webTier: 'ecs' }, (t) => {
    const environment = first(t, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions[0].Environment;
    environment.find((v: any) => v.Name === 'SESSION_STORE').Value = 'memory';
  }),
};

/** More faults each invariant must find, beyond the one above. */
const MORE_FAULTS: [string, string, Subject][] = [
  [
    'ZTM-7',
    'an ElastiCache user password written in the template',
    withFault(5, {}, (t) => {
      const [, user] = resources(t, 'AWS::ElastiCache::User').find(([, u]) => u.Properties.UserName === 'app')!;
      user.Properties.AuthenticationMode.Passwords = ['correct-horse-battery-staple'];
    }),
  ],
  [
    'ZTM-12',
    'a behavior served over plain HTTP',
    withFault(5, {}, (t) => {
      first(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.CacheBehaviors[0].ViewerProtocolPolicy = 'allow-all';
    }),
  ],
  [
    'ZTM-12',
    'the distribution without its firewall',
    withFault(5, {}, (t) => {
      delete first(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.WebACLId;
    }),
  ],
  [
    'ZTM-12',
    'the API record pointing at the load balancer instead of the CDN',
    withFault(5, {}, (t) => {
      const [lbId] = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      const [, record] = resources(t, 'AWS::Route53::RecordSet').find(([, r]) => r.Properties.SetIdentifier)!;
      record.Properties.AliasTarget.DNSName = { 'Fn::GetAtt': [lbId, 'DNSName'] };
    }),
  ],
  [
    'ZTM-12',
    "the load balancer admitting another prefix list than CloudFront's",
    withFault(5, {}, (t) => {
      const [, lookup] = resources(t, 'Custom::AWS').find(([id]) => id.includes('CloudFrontOriginFacing'))!;
      lookup.Properties.Create = lookup.Properties.Create.replaceAll(
        'com.amazonaws.global.cloudfront.origin-facing',
        'com.amazonaws.us-east-1.s3',
      );
    }),
  ],
  [
    'ZTM-15',
    "a private subnet sending its egress to the other zone's NAT instance",
    withFault(3, {}, (t) => {
      const [first, second] = resources(t, 'AWS::EC2::Route').filter(([, r]) => r.Properties.InstanceId);
      first[1].Properties.InstanceId = second[1].Properties.InstanceId;
    }),
  ],
  [
    'ZTM-15',
    'a NAT instance admitting the world',
    withFault(3, {}, (t) => {
      const [, nat] = resources(t, 'AWS::EC2::Instance')[0];
      t.Resources.Open = {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: { GroupId: nat.Properties.SecurityGroupIds[0], CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' },
      };
    }),
  ],
  [
    'ZTM-15',
    'a private subnet reaching the internet gateway directly',
    withFault(3, { natProvider: 'gateway' }, (t) => {
      const [, route] = resources(t, 'AWS::EC2::Route').find(([, r]) => r.Properties.NatGatewayId)!;
      const [igw] = only(t, 'AWS::EC2::InternetGateway');
      delete route.Properties.NatGatewayId;
      route.Properties.GatewayId = { Ref: igw };
    }),
  ],
  [
    'ZTM-13',
    'the cache without a user group',
    withFault(5, {}, (t) => delete first(t, 'AWS::ElastiCache::ServerlessCache').Properties.UserGroupId),
  ],
  [
    'ZTM-13',
    "a user who needs no password in the cache's group",
    withFault(5, {}, (t) => {
      const [, user] = resources(t, 'AWS::ElastiCache::User')[0];
      user.Properties.AuthenticationMode = { Type: 'no-password-required' };
    }),
  ],
];
test.each(MORE_FAULTS)('%s finds %s', (id, _what, faulty) => {
  expect(Object.keys(violationsOf(faulty)).map((key) => key.split(' ')[0])).toContain(id);
});
test('there is a fault for every invariant', () => {
  expect(Object.keys(FAULTS).sort()).toEqual(INVARIANTS.map((i) => i.id).sort());
});

test.each(INVARIANTS.map((i) => [`${i.id} ${i.name}`, i] as const))('%s: finds its fault', (_name, invariant) => {
  const found = Object.keys(violationsOf(FAULTS[invariant.id])).map((key) => key.split(' ')[0]);
  expect(found).toContain(invariant.id);
});
