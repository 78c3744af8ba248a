/**
 * What a stage costs in a month at its ceiling (lib/capacity/cost-at-ceiling.ts): every scalable
 * tier at its maximum, and the usage of that traffic priced from the same table as compare's estimate.
 */
import { atMaximum, costAtCeiling, internetEgressPrice } from '../../lib/capacity/cost-at-ceiling';
import { CAPACITY_INPUTS } from '../../lib/capacity/inputs';
import { capacityOfStage } from '../../lib/capacity/model';
import { costOf } from '../../lib/compare/cost';
import PRICE_TABLE from '../../lib/compare/prices.json';
import { STAGE_NUMBERS, type StageNumber } from '../../lib/config';
import { templateOf } from '../support/synth-cache';
import type { CfnTemplate } from '../support/template';
import { FARGATE_ALTERED, REPLICATED_ALTERED } from '../support/variants';

const atCeiling = (t: CfnTemplate) => costAtCeiling(t, capacityOfStage(t));
const line = (cost: ReturnType<typeof atCeiling>, type: string) => cost.lines.filter((l) => l.type === type);

test('a stage at its ceiling costs more than its estimate, and prices the average of the day, not the peak', () => {
  for (const s of STAGE_NUMBERS) {
    const t = templateOf(s);
    const cost = atCeiling(t);
    expect(cost.monthly).toBeGreaterThan(costOf(t).total);
    expect(cost.averageRequestsPerSecond).toBeCloseTo(capacityOfStage(t).ceiling.mixed / CAPACITY_INPUTS.assumptions.peakToAverage, 9);
  }
});

test('servers and tasks are priced at their maximum, and Aurora at what the ceiling keeps busy', () => {
  const max = atMaximum(templateOf(4));
  const groups = Object.values(max.Resources).filter((r) => r.Type === 'AWS::AutoScaling::AutoScalingGroup');
  expect(groups.length).toBeGreaterThan(0);
  for (const g of groups) expect(g.Properties.MinSize).toBe(g.Properties.MaxSize);
  const cluster = Object.values(max.Resources).find((r) => r.Type === 'AWS::RDS::DBCluster')!;
  const scaling = cluster.Properties.ServerlessV2ScalingConfiguration;
  expect(scaling.MinCapacity).toBe(scaling.MaxCapacity);
  const service = Object.values(atMaximum(templateOf(3, FARGATE_ALTERED)).Resources).find((r) => r.Type === 'AWS::ECS::Service')!;
  expect(service.Properties.DesiredCount).toBe(8);
  // Stage 4's readers are its bottleneck: at the ceiling the cluster is at its maximum.
  const acus = (t: CfnTemplate, c = capacityOfStage(t)) =>
    Object.values(atMaximum(t, c).Resources).find((r) => r.Type === 'AWS::RDS::DBCluster')!.Properties.ServerlessV2ScalingConfiguration;
  expect(acus(templateOf(4)).MinCapacity).toBe(acus(templateOf(4)).MaxCapacity);
  // Three readers of 8 ACU bound by the web tier: busy at the share of their ceiling the stage reaches, in 0.5 ACU steps.
  const altered = templateOf(4, REPLICATED_ALTERED);
  const capacity = capacityOfStage(altered);
  const readers = capacity.components.find((c) => c.name.startsWith('database readers'))!;
  const expected = Math.max(1, Math.ceil(2 * 8 * (capacity.ceiling.mixed / readers.ceiling.mixed)) / 2);
  expect(acus(altered, capacity)).toMatchObject({ MinCapacity: expected, MaxCapacity: 8 });
  expect(expected).toBeLessThan(8);
});

test('the answers leave by the front door: without a CDN the region pays the transfer out, with one the edge does', () => {
  const stage = (s: StageNumber) => atCeiling(templateOf(s));
  for (const s of [1, 2, 3, 4] as const) {
    const [egress] = line(stage(s), 'data transfer out to the internet');
    expect(egress.monthly).toBeGreaterThan(0);
    expect(egress.monthly).toBeCloseTo(internetEgressPrice(stage(s).usage.internetGbOut).monthly, 6);
  }
  for (const s of [5, 6] as const) expect(line(stage(s), 'data transfer out to the internet')).toEqual([]);
  // The edge's own line prices the same bytes and the requests.
  const edge = stage(5);
  expect(edge.usage.cdnGbOutPerMonth).toBeCloseTo(edge.usage.internetGbOut, 6);
});

test('transfer out is priced tier by tier', () => {
  const [first, second] = PRICE_TABLE.prices.internetPerGbOutTiers.value;
  expect(internetEgressPrice(100).monthly).toBeCloseTo(100 * first.perGb, 9);
  expect(internetEgressPrice(first.upToGb! + 1000).monthly).toBeCloseTo(first.upToGb! * first.perGb + 1000 * second.perGb, 9);
  expect(internetEgressPrice(first.upToGb! + 1000).basis).toBe(`10,240 GB × $${first.perGb} + 1,000 GB × $${second.perGb}`);
  expect(internetEgressPrice(0)).toEqual({ monthly: 0, basis: 'nothing' });
});

test('the request log is priced only where a log group receives it: the Fargate tier, not the EC2 hosts', () => {
  const ecs = atCeiling(templateOf(3, { webTier: 'ecs' }));
  const ec2 = atCeiling(templateOf(3));
  const logLines = (c: ReturnType<typeof atCeiling>) =>
    c.lines.filter((l) => l.type === 'AWS::Logs::LogGroup' && /request log/.test(l.basis));
  expect(logLines(ecs)).toHaveLength(1);
  expect(logLines(ec2)).toEqual([]);
  expect(ecs.usage.requestLogGbPerMonth).toBeGreaterThan(100);
});

test('a burstable tier pays surplus credits in unlimited mode, and none in standard mode; a burstable database always in unlimited mode', () => {
  const t = templateOf(3);
  const credits = line(atCeiling(t), 'CPU credits (unlimited mode)');
  expect(credits.map((l) => t.Resources[l.resource].Type).sort()).toEqual(['AWS::AutoScaling::AutoScalingGroup', 'AWS::RDS::DBInstance']);
  const database = credits.find((l) => t.Resources[l.resource].Type === 'AWS::RDS::DBInstance')!;
  // db.t4g.micro at stage 3's ceiling, its bottleneck: both vCPUs busy on average half the day's peak, against a 10 % baseline each.
  expect(database.basis).toMatch(
    /^1\.00 vCPUs used on average across 1 × db\.t4g\.micro against a baseline of 0\.20: 0\.80 vCPU × 730 h × \$0\.075/,
  );
  expect(database.monthly).toBeCloseTo(0.8 * 730 * CAPACITY_INPUTS.limits.rdsBurstableSurplusPerVcpuHour.value, 6);
  const standard: CfnTemplate = structuredClone(t);
  for (const r of Object.values(standard.Resources))
    if (r.Type === 'AWS::EC2::LaunchTemplate') r.Properties.LaunchTemplateData.CreditSpecification = { CpuCredits: 'standard' };
  expect(line(atCeiling(standard), 'CPU credits (unlimited mode)').map((l) => standard.Resources[l.resource].Type)).toEqual([
    'AWS::RDS::DBInstance',
  ]);
});

test("the lines priced from the ceiling's traffic say so, to four digits; what the traffic does not change stays assumed", () => {
  const lines = atCeiling(templateOf(3)).lines;
  const lb = lines.find((l) => l.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')!;
  expect(lb.basis).toMatch(/ \d+(\.\d{1,2})? LCU \(at the ceiling's average rate\)/);
  expect(lines.find((l) => l.type === 'AWS::AutoScaling::AutoScalingGroup')!.basis).toMatch(/^6 instances at the maximum, each t3\.small/);
  expect(lines.find((l) => l.type === 'AWS::SecretsManager::Secret')!.basis).toMatch(/\(assumed\)$/);
  const table = atCeiling(templateOf(3, { dataStore: 'dynamodb' })).lines.find((l) => l.type === 'AWS::DynamoDB::Table')!;
  expect(table.basis).toMatch(/M eventually consistent reads \(0\.5 read unit each\).*\(at the ceiling's average rate\)$/);
});

test("load balancer capacity units grow with the origin's traffic: bytes processed or new connections, whichever is larger", () => {
  const c = atCeiling(templateOf(3));
  const { albLcu } = CAPACITY_INPUTS.limits;
  const { requestsPerConnection } = CAPACITY_INPUTS.assumptions;
  const average = c.averageRequestsPerSecond; // no edge at stage 3: every request reaches the origin
  const newConnections = average / requestsPerConnection / albLcu.value.newConnectionsPerSecond;
  expect(c.usage.albLcuPerHour).toBeGreaterThanOrEqual(newConnections - 1e-9);
  expect(c.usage.albLcuPerHour).toBeGreaterThan(1);
});
