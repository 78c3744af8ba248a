/**
 * The comparison an architect reads (lib/compare/compare.ts, render.ts): what changes from one stage
 * to the next, and docs/stages.md with its README excerpt, which must be current.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStages, reportStage } from '../../lib/compare/compare';
import { json, markdown, withStagesExcerpt } from '../../lib/compare/render';
import { STAGE_NUMBERS, STAGES } from '../../lib/config';
import { templateOf } from '../support/synth-cache';

const stages = STAGE_NUMBERS;
const reports = stages.map((s) => reportStage(STAGES[s].stackName, templateOf(s)));
const steps = reports.slice(1).map((to, i) => compareStages(reports[i], templateOf(stages[i]), to, templateOf(stages[i + 1])));

test('the step from stage 2 to 3 reads as an architect would say it', () => {
  expect(steps[1].summary).toMatch(
    /^ALB added; Auto Scaling group added; EC2 instance removed; NAT gateway added \(2\); certificate added; Elastic IP 1 → 2; web tier 1 → 2–6 servers; SPOF 'single web server: one instance serves every request' removed; SPOF 'record points at one IP address' removed; \+\$\d+\/month$/,
  );
  expect(steps[1].spofsAdded).toEqual([]);
  expect(steps[1].monthlyCost.to - steps[1].monthlyCost.from).toBeGreaterThan(100);
});

test('resources are matched by logical id: added, removed and changed are counted by type', () => {
  expect(steps[1].added).toMatchObject({
    'AWS::ElasticLoadBalancingV2::LoadBalancer': 1,
    'AWS::AutoScaling::AutoScalingGroup': 1,
    'AWS::EC2::NatGateway': 2,
  });
  expect(steps[1].removed).toMatchObject({ 'AWS::EC2::Instance': 1 });
  expect(steps[0].changed['AWS::EC2::VPC']).toBe(1); // the same VPC, now with its stage's tag
});

test("--json is one JSON document with the price table's region and date", () => {
  const parsed = JSON.parse(json(reports, steps));
  expect(Object.keys(parsed)).toEqual(['prices', 'stages', 'steps']);
  expect(parsed.prices).toMatchObject({ region: 'us-east-1', recorded: expect.stringMatching(/^\d{4}-\d{2}/) });
});

test('docs/stages.md and its README excerpt are what `npm run compare -- --write` makes of the default configuration', () => {
  const root = join(__dirname, '..', '..');
  expect(readFileSync(join(root, 'docs', 'stages.md'), 'utf8')).toBe(markdown(reports, steps, 'the configuration in cdk.json'));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  expect(withStagesExcerpt(readme, reports)).toBe(readme);
});
