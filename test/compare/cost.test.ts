/** Estimated monthly cost (lib/compare/cost.ts), from the price table with its source and date. */
import { reportStage } from '../../lib/compare/compare';
import { costOf, ec2Hourly } from '../../lib/compare/cost';
import { STAGES } from '../../lib/config';
import { templateOf } from '../support/synth-cache';
import type { CfnTemplate } from '../support/template';

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
