/** The deploy test's plan (lib/integ/plan.ts): cost an hour from compare's model, times from the longest chain. */
import DURATIONS from '../../lib/integ/durations.json';
import { longestChain, planOf, renderPlan } from '../../lib/integ/plan';
import type { CfnTemplate } from '../../lib/template';

const minutes = (type: string, phase: 'create' | 'delete') =>
  ((DURATIONS.types as Record<string, { create: number; delete: number }>)[type] ?? DURATIONS.other)[phase];

const T = (resources: CfnTemplate['Resources']): CfnTemplate => ({ Resources: resources });

test('the longest chain follows Ref, Fn::GetAtt and DependsOn, and takes the slower of two branches', () => {
  const template = T({
    Vpc: { Type: 'AWS::EC2::VPC' },
    Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' } } },
    Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { Subnets: [{ Ref: 'Subnet' }] } },
    Writer: { Type: 'AWS::RDS::DBInstance', Properties: { DBClusterIdentifier: { Ref: 'Cluster' } } },
    Bucket: { Type: 'AWS::S3::Bucket' },
    Distribution: { Type: 'AWS::CloudFront::Distribution', Properties: { Origin: { 'Fn::GetAtt': ['Bucket', 'Arn'] } } },
    Check: { Type: 'Custom::Check', DependsOn: ['Writer'] },
  });
  const create = longestChain(template, 'create');
  const viaDatabase = ['Vpc', 'Subnet', 'Cluster', 'Writer', 'Check'];
  const viaCdn = ['Bucket', 'Distribution'];
  const sum = (ids: string[], phase: 'create' | 'delete') =>
    ids.reduce((total, id) => total + minutes(template.Resources[id].Type, phase), 0);
  const expected = sum(viaDatabase, 'create') >= sum(viaCdn, 'create') ? viaDatabase : viaCdn;
  expect(create.chain).toEqual(expected);
  expect(create.minutes).toBeCloseTo(sum(expected, 'create'));
  expect(longestChain(template, 'delete').minutes).toBeCloseTo(Math.max(sum(viaDatabase, 'delete'), sum(viaCdn, 'delete')));
});

test('a reference to a parameter, a pseudo parameter or itself adds nothing; a circle is a bug said by name', () => {
  const template = T({
    Topic: { Type: 'AWS::SNS::Topic', Properties: { Name: { Ref: 'AWS::StackName' }, Self: { Ref: 'Topic' }, P: { Ref: 'Param' } } },
  });
  expect(longestChain(template, 'create')).toEqual({ minutes: minutes('AWS::SNS::Topic', 'create'), chain: ['Topic'] });
  const circle = T({ A: { Type: 'X', DependsOn: 'B' }, B: { Type: 'X', DependsOn: 'A' } });
  expect(() => longestChain(circle, 'create')).toThrow(/in a circle at/);
});

test('the plan prices each stack by the hour, adds the stacks up, and names what it cannot price', () => {
  const gateway = T({ Nat: { Type: 'AWS::EC2::NatGateway' } });
  const plan = planOf([
    { stackName: 'Integ-k3x9qa-Stage3-LoadBalanced', region: 'eu-west-1', template: gateway },
    { stackName: 'Integ-k3x9qa-Proof', region: 'eu-west-1', template: T({ Waiter: { Type: 'AWS::StepFunctions::StateMachine' } }) },
  ]);
  expect(plan.stacks[0].hourly).toBeGreaterThan(0.045); // a NAT gateway's hour, and the data assumed through it
  expect(plan.hourly).toBeCloseTo(plan.stacks[0].hourly + plan.stacks[1].hourly);
  expect(plan.createMinutes).toBeCloseTo(plan.stacks[0].createMinutes + plan.stacks[1].createMinutes);
  const text = renderPlan(plan).join('\n');
  expect(text).toContain('Integ-k3x9qa-Stage3-LoadBalanced  eu-west-1');
  expect(text).toMatch(/in all: \$0\.\d{3} an hour while it runs/);
  expect(text).toContain('not in the estimate (paid per use, or no price recorded): AWS::StepFunctions::StateMachine');
});
