/**
 * The comparison an architect reads (lib/compare/compare.ts, render.ts): what changes from one stage
 * to the next, and docs/stages.md with its README excerpt, which must be current.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStages, reportStage } from '../../lib/compare/compare';
import { chartOf, json, markdown, withStagesExcerpt } from '../../lib/compare/render';
import { STAGE_NUMBERS, STAGES } from '../../lib/config';
import { templateOf } from '../support/synth-cache';
import { NAT_GATEWAYS } from '../support/variants';

const stages = STAGE_NUMBERS;
const reports = stages.map((s) => reportStage(STAGES[s].stackName, templateOf(s)));
const steps = reports.slice(1).map((to, i) => compareStages(reports[i], templateOf(stages[i]), to, templateOf(stages[i + 1])));

test('the step from stage 2 to 3 reads as an architect would say it', () => {
  expect(steps[1].summary).toMatch(
    /^ALB added; Auto Scaling group added; EC2 instance removed; NAT instance added \(2\); certificate added; Elastic IP removed; web tier 1 → 2–6 servers; SPOF 'single web server: one instance serves every request' removed; SPOF 'record points at one IP address' removed; SPOF 'egress through one NAT instance, with no standby' added; \+\$\d+\/month; ceiling [\d,]+ → [\d,]+ req\/s, saturating first: database: db\.t4g\.micro$/,
  );
  // One line for both instances: the same risk, in each zone.
  expect(steps[1].spofsAdded).toEqual([
    expect.stringMatching(/^egress through one NAT instance, with no standby \(NetworkVpcPublicSubnet\dNatInstance/),
  ]);
  expect(steps[1].monthlyCost.to - steps[1].monthlyCost.from).toBeGreaterThan(50);
});

test('the step from stage 4 to 5 trades the NAT instances for gateways, and says so', () => {
  expect(steps[3].summary).toContain('NAT gateway added (2); NAT instance removed');
  expect(steps[3].spofsRemoved).toEqual([expect.stringMatching(/^egress through one NAT instance, with no standby/)]);
});

test("each stage with private subnets prices its NAT beside the other kind: instances save what gateways' hours and addresses cost", () => {
  expect(reports.map((r) => r.nat?.summary)).toEqual([
    undefined,
    undefined,
    '2 NAT instances for 2 zones, $14.91; as gateways $73.90 (+$58.99)',
    '2 NAT instances for 2 zones, $14.91; as gateways $73.90 (+$58.99)',
    '2 NAT gateways for 2 zones, $73.90; as instances $14.91 (−$58.99)',
    '2 NAT gateways for 2 zones, $73.90; as instances $14.91 (−$58.99)',
  ]);
  // The saving is the difference of the two totals, whichever way the stage is built.
  const gateways = reportStage(STAGES[3].stackName, templateOf(3, NAT_GATEWAYS));
  expect(gateways.cost.total - reports[2].cost.total).toBeCloseTo(reports[2].nat!.other.monthly - reports[2].nat!.monthly, 6);
  expect(gateways.nat).toMatchObject({ provider: 'gateway', count: 2, other: { provider: 'instance', monthly: reports[2].nat!.monthly } });
});

test('resources are matched by logical id: added, removed and changed are counted by type', () => {
  expect(steps[1].added).toMatchObject({
    'AWS::ElasticLoadBalancingV2::LoadBalancer': 1,
    'AWS::AutoScaling::AutoScalingGroup': 1,
    'AWS::EC2::Instance': 2, // the NAT instances
  });
  expect(steps[1].removed).toMatchObject({ 'AWS::EC2::Instance': 1 }); // the single server
  expect(steps[0].changed['AWS::EC2::VPC']).toBe(1); // the same VPC, now with its stage's tag
});

test("--json is one JSON document with the price table's region and date, and each stage's ceiling, bottleneck, cost there and users", () => {
  const parsed = JSON.parse(json(reports, steps));
  expect(Object.keys(parsed)).toEqual(['prices', 'capacity', 'stages', 'steps']);
  expect(parsed.prices).toMatchObject({ region: 'us-east-1', recorded: expect.stringMatching(/^\d{4}-\d{2}/) });
  expect(parsed.capacity.measured).toMatchObject({
    command: 'npm run bench -- --only capacity --record',
    date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
  });
  for (const stage of parsed.stages)
    expect(stage.capacity).toMatchObject({
      readShare: 0.9,
      ceiling: { reads: expect.any(Number), writes: expect.any(Number), mixed: expect.any(Number) },
      bottleneck: { mixed: expect.any(String) },
      users: expect.any(Number),
      costAtCeiling: { monthly: expect.any(Number), averageRequestsPerSecond: expect.any(Number) },
    });
  expect(parsed.steps[1].ceiling).toEqual({ from: reports[1].capacity.ceiling.mixed, to: reports[2].capacity.ceiling.mixed });
});

test('the table carries ceiling, bottleneck, users and cost at the ceiling for every stage', () => {
  const doc = markdown(reports, steps, 'the configuration in cdk.json');
  for (const row of [
    'ceiling, req/s (90 % reads)',
    'ceiling, reads / writes only',
    'saturates first',
    'daily users at the ceiling',
    'monthly cost at the ceiling',
  ])
    expect(doc).toMatch(new RegExp(`^\\| ${row.replace(/[()/]/g, '\\$&')} +\\|( [^|]*[^| ][^|]* \\|){${reports.length}}$`, 'm'));
  expect(doc).toContain('![The ceiling and the cost at the ceiling of every stage](capacity.svg)');
});

test('docs/stages.md, its README excerpt and docs/capacity.svg are what `npm run compare -- --write` makes of the default configuration', () => {
  const root = join(__dirname, '..', '..');
  expect(readFileSync(join(root, 'docs', 'capacity.svg'), 'utf8')).toBe(chartOf(stages, reports));
  expect(readFileSync(join(root, 'docs', 'stages.md'), 'utf8')).toBe(markdown(reports, steps, 'the configuration in cdk.json'));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  expect(withStagesExcerpt(readme, reports)).toBe(readme);
});
