/** Estimated monthly cost (lib/compare/cost.ts), from the price table with its source and date. */
import { reportStage } from '../../lib/compare/compare';
import { costOf, ec2Hourly, natEgressOf } from '../../lib/compare/cost';
import { STAGES } from '../../lib/config';
import { templateOf } from '../support/synth-cache';
import type { CfnTemplate } from '../support/template';
import { COMBINATIONS, NAT_GATEWAYS, ONE_NAT_INSTANCE } from '../support/variants';

test('a resource type the price table does not know is unpriced, never zero, and left out of the total', () => {
  const template: CfnTemplate = {
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      Odd: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 'x2iedn.large' } },
      Ip: { Type: 'AWS::EC2::EIP', Properties: {} },
      Vpc: { Type: 'AWS::EC2::VPC', Properties: {} },
    },
  };
  const cost = costOf(template);
  expect(cost.unpriced).toEqual([
    { resource: 'Queue', type: 'AWS::SQS::Queue', monthly: null, basis: 'AWS::SQS::Queue is not in the price table' },
    { resource: 'Odd', type: 'AWS::EC2::Instance', monthly: null, basis: 'no price for instance type x2iedn.large' },
  ]);
  expect(cost.total).toBeCloseTo(730 * 0.005, 6);
  expect(cost.lines.find((l) => l.resource === 'Vpc')!.monthly).toBe(0);
});

test("EC2 sizes are priced from the family's large price, linearly; metal is not guessed", () => {
  expect(ec2Hourly('t3.large')).toBe(0.0832);
  expect(ec2Hourly('t3.nano')).toBeCloseTo(0.0052, 6);
  expect(ec2Hourly('m5.2xlarge')).toBeCloseTo(0.384, 6);
  expect(ec2Hourly('m5.metal')).toBeUndefined();
  expect(ec2Hourly('zz9.large')).toBeUndefined();
});

test('a Multi-AZ database costs twice the single-zone one', () => {
  const db = (multiAz: boolean): CfnTemplate => ({
    Resources: {
      Db: {
        Type: 'AWS::RDS::DBInstance',
        Properties: { Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', AllocatedStorage: '20', MultiAZ: multiAz },
      },
    },
  });
  expect(costOf(db(true)).total).toBeCloseTo(2 * costOf(db(false)).total, 6);
});

test('in the default configuration, cost rises from stage to stage, and nothing is unpriced', () => {
  const reports = ([1, 2, 3] as const).map((s) => reportStage(STAGES[s].stackName, templateOf(s)));
  expect(reports.map((r) => r.cost.unpriced)).toEqual([[], [], []]);
  expect(reports[0].cost.total).toBeLessThan(reports[1].cost.total);
  expect(reports[1].cost.total).toBeLessThan(reports[2].cost.total);
});

test('every stage × option combination the README promises is priced: "unpriced" is kept for a price the table lacks', () => {
  const unpriced = COMBINATIONS.flatMap(({ name, stage, overrides }) =>
    costOf(templateOf(stage, overrides)).unpriced.map((l) => `${name}: ${l.resource} ${l.type} (${l.basis})`),
  );
  expect(unpriced).toEqual([]);
});

test("an ECS cluster's capacity provider associations cost nothing: the tasks they place are priced on the service", () => {
  const cost = costOf({ Resources: { Providers: { Type: 'AWS::ECS::ClusterCapacityProviderAssociations', Properties: {} } } });
  expect(cost.unpriced).toEqual([]);
  expect(cost.lines[0]).toMatchObject({ monthly: 0, basis: expect.stringContaining('no charge of their own') });
});

test('a NAT instance is its instance, its public address and its root volume (the image size when unset), with nothing per GB; its alarm is a line of its own', () => {
  const template: CfnTemplate = {
    Resources: {
      Nat: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 't4g.nano', SourceDestCheck: false } },
      Reboot: { Type: 'AWS::CloudWatch::Alarm', Properties: { Dimensions: [{ Name: 'InstanceId', Value: { Ref: 'Nat' } }] } },
    },
  };
  const [nat, alarm] = costOf(template).lines;
  expect(nat.monthly).toBeCloseTo(730 * (0.0672 / 16 + 0.005) + 8 * 0.08, 6);
  expect(nat.basis).toBe('NAT instance t4g.nano 730 h × $0.0042 + its public IPv4 address + 8 GiB gp3; no charge per GB');
  expect(alarm).toMatchObject({ resource: 'Reboot', monthly: 0.1 });
});

test("a stage's NAT is priced beside the other kind for the same zones, with what comes with each: a gateway's Elastic IP, an instance's alarm", () => {
  const instances = natEgressOf(templateOf(3))!;
  const perInstance = 730 * (0.0042 + 0.005) + 8 * 0.08 + 0.1;
  const perGateway = 730 * 0.045 + 10 * 0.045 + 730 * 0.005;
  expect(instances).toMatchObject({ provider: 'instance', count: 2, zones: 2, other: { provider: 'gateway' } });
  expect(instances.monthly).toBeCloseTo(2 * perInstance, 6);
  expect(instances.other.monthly).toBeCloseTo(2 * perGateway, 6);
  const gateways = natEgressOf(templateOf(3, NAT_GATEWAYS))!;
  expect([gateways.provider, gateways.monthly, gateways.other.monthly]).toEqual(['gateway', instances.other.monthly, instances.monthly]);
  // One for two zones: the other kind is priced for as many, not for every zone.
  expect(natEgressOf(templateOf(3, ONE_NAT_INSTANCE))).toMatchObject({ count: 1, zones: 2 });
  expect(natEgressOf(templateOf(2))).toBeUndefined();
});
