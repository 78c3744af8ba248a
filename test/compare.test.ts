import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StageNumber, STAGES } from '../lib/config';
import { analyseStage } from '../lib/compare/analyse';
import { compareStages, reportStage } from '../lib/compare/compare';
import { costOf, ec2Hourly } from '../lib/compare/cost';
import { markdown, mermaid, withStagesExcerpt } from '../lib/compare/render';
import { CfnTemplate } from '../lib/compare/template';
import { Overrides, templateOf } from './support/app';

const stageTemplate = (stage: StageNumber, overrides: Overrides = {}) => templateOf(stage, overrides).toJSON() as CfnTemplate;
const report = (stage: StageNumber, overrides: Overrides = {}) => reportStage(STAGES[stage].stackName, stageTemplate(stage, overrides));

describe('on small hand-built templates', () => {
  const subnet = (zone: string, tier: string) => ({ Type: 'AWS::EC2::Subnet', Properties: { AvailabilityZone: zone, Tags: [{ Key: 'aws-cdk:subnet-type', Value: tier }] } });

  test('a web server of one instance behind one IP is found and named as single points of failure', () => {
    const template: CfnTemplate = {
      Resources: {
        Web: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 't3.small', SubnetId: { Ref: 'A' }, SecurityGroupIds: [] } },
        A: subnet('us-east-1a', 'Public'),
        Ip: { Type: 'AWS::EC2::EIP', Properties: { InstanceId: { Ref: 'Web' } } },
        Dns: { Type: 'AWS::Route53::RecordSet', Properties: { Name: 'api.example.com.', Type: 'A', ResourceRecords: [{ Ref: 'Ip' }] } },
      },
    };
    expect(analyseStage('T', template).singlePointsOfFailure).toEqual([
      { resource: 'Web', what: 'single web server: one instance serves every request' },
      { resource: 'Dns', what: 'record points at one IP address' },
    ]);
  });

  test('a Multi-AZ database is not a single point of failure; a single-AZ one is', () => {
    const db = (multiAz: boolean): CfnTemplate => ({
      Resources: { Db: { Type: 'AWS::RDS::DBInstance', Properties: { Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', AllocatedStorage: '20', MultiAZ: multiAz } } },
    });
    expect(analyseStage('T', db(true)).singlePointsOfFailure).toEqual([]);
    expect(analyseStage('T', db(false)).singlePointsOfFailure).toEqual([{ resource: 'Db', what: 'database in one zone' }]);
    expect(costOf(db(true)).total).toBeCloseTo(2 * costOf(db(false)).total, 6);
  });

  test('fewer NAT gateways than private zones is named; one per zone is not', () => {
    const template = (nats: number): CfnTemplate => ({
      Resources: {
        P1: subnet('us-east-1a', 'Private'),
        P2: subnet('us-east-1b', 'Private'),
        ...Object.fromEntries(Array.from({ length: nats }, (_, i) => [`Nat${i}`, { Type: 'AWS::EC2::NatGateway', Properties: {} }])),
      },
    });
    expect(analyseStage('T', template(1)).singlePointsOfFailure).toEqual([{ resource: 'Nat0', what: 'egress of 2 zones through 1 NAT gateway' }]);
    expect(analyseStage('T', template(2)).singlePointsOfFailure).toEqual([]);
  });

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

  test('EC2 sizes are priced from the family\'s large price, linearly; metal is not guessed', () => {
    expect(ec2Hourly('t3.large')).toBe(0.0832);
    expect(ec2Hourly('t3.nano')).toBeCloseTo(0.0052, 6);
    expect(ec2Hourly('m5.2xlarge')).toBeCloseTo(0.384, 6);
    expect(ec2Hourly('m5.metal')).toBeUndefined();
    expect(ec2Hourly('zz9.large')).toBeUndefined();
  });
});

describe('on the real stage templates', () => {
  test('stage 1 has the single-instance SPOF; stage 3 does not, with either web tier', () => {
    expect(report(1).singlePointsOfFailure.map((s) => s.what)).toContain('single server: the web app, PostgreSQL and Redis fail together');
    for (const webTier of ['ec2', 'ecs']) {
      expect(report(3, { webTier }).singlePointsOfFailure).toEqual([{ resource: 'RelationalDataDatabase5BB21CFE', what: 'database in one zone' }]);
    }
  });

  test('in the default configuration, cost rises from stage to stage, and nothing is unpriced', () => {
    const reports = ([1, 2, 3] as const).map((s) => report(s));
    expect(reports.map((r) => r.cost.unpriced)).toEqual([[], [], []]);
    expect(reports[0].cost.total).toBeLessThan(reports[1].cost.total);
    expect(reports[1].cost.total).toBeLessThan(reports[2].cost.total);
  });

  test('the request path follows the references: record → load balancer → web tier → database', () => {
    expect(mermaid(report(3))).toBe(
      [
        'flowchart LR',
        '  client["Clients (web, mobile)"]',
        '  ApiRecordEF2C714A["Route 53 api.example.com (weighted A)"]',
        '  LoadBalancer8E47CE52["Application Load Balancer (HTTPS :443, HTTP :80)"]',
        '  AutoScalingWebTierGroupASG6B4A47F3["Auto Scaling group: 2–6 × t3.small"]',
        '  RelationalDataDatabase5BB21CFE["RDS postgres db.t4g.micro, one zone"]',
        '  client -->|"resolve"| ApiRecordEF2C714A',
        '  ApiRecordEF2C714A -->|"alias; HTTPS :443, HTTP :80"| LoadBalancer8E47CE52',
        '  LoadBalancer8E47CE52 -->|"HTTP :80"| AutoScalingWebTierGroupASG6B4A47F3',
        '  AutoScalingWebTierGroupASG6B4A47F3 -->|":5432"| RelationalDataDatabase5BB21CFE',
      ].join('\n'),
    );
    const dynamo = report(2, { dataStore: 'dynamodb' }).requestPath;
    expect(dynamo.edges.at(-1)).toEqual({ from: expect.stringMatching(/^ServerInstance/), to: 'NoSqlDataTableDCF77491', label: 'IAM: item calls' });
  });

  test('only the front door is exposed: the instance in stages 1 and 2, the load balancer in stage 3', () => {
    expect(report(1).exposure).toEqual(['EC2 instance ServerInstanceE518391B accepts the internet on 80']);
    expect(report(3).exposure).toEqual(['load balancer LoadBalancer8E47CE52 accepts the internet on 80, 443']);
    expect(report(3, { https: 'false' }).exposure).toEqual(['load balancer LoadBalancer8E47CE52 accepts the internet on 80']);
  });

  test('the step from stage 2 to 3 reads as an architect would say it', () => {
    const step = compareStages(report(2), stageTemplate(2), report(3), stageTemplate(3));
    expect(step.summary).toMatch(/^ALB added; Auto Scaling group added; EC2 instance removed; NAT gateway added \(2\); certificate added; Elastic IP 1 → 2; web tier 1 → 2–6 servers; SPOF 'single web server: one instance serves every request' removed; SPOF 'record points at one IP address' removed; \+\$\d+\/month$/);
    expect(step.spofsAdded).toEqual([]);
    expect(step.monthlyCost.to - step.monthlyCost.from).toBeGreaterThan(100);
  });

  test('docs/stages.md is what `npm run compare` makes of the default configuration (run it and commit)', () => {
    const stages = [1, 2, 3] as const;
    const reports = stages.map((s) => report(s));
    const steps = reports.slice(1).map((to, i) => compareStages(reports[i], stageTemplate(stages[i]), to, stageTemplate(stages[i + 1])));
    expect(readFileSync(join(__dirname, '..', 'docs', 'stages.md'), 'utf8')).toBe(markdown(reports, steps, 'the configuration in cdk.json'));
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(withStagesExcerpt(readme, reports)).toBe(readme);
  });
});
