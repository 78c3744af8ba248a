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
import { FARGATE_ALTERED } from '../support/variants';

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

test('every scalable tier is priced at its maximum: servers, tasks and Serverless v2 capacity', () => {
  const max = atMaximum(templateOf(4));
  const groups = Object.values(max.Resources).filter((r) => r.Type === 'AWS::AutoScaling::AutoScalingGroup');
  expect(groups.length).toBeGreaterThan(0);
  for (const g of groups) expect(g.Properties.MinSize).toBe(g.Properties.MaxSize);
  const cluster = Object.values(max.Resources).find((r) => r.Type === 'AWS::RDS::DBCluster')!;
  const scaling = cluster.Properties.ServerlessV2ScalingConfiguration;
  expect(scaling.MinCapacity).toBe(scaling.MaxCapacity);
  const service = Object.values(atMaximum(templateOf(3, FARGATE_ALTERED)).Resources).find((r) => r.Type === 'AWS::ECS::Service')!;
  expect(service.Properties.DesiredCount).toBe(8);
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

test('a burstable tier pays surplus credits in unlimited mode, and none in standard mode', () => {
  const t = templateOf(3);
  expect(line(atCeiling(t), 'CPU credits (unlimited mode)')).toEqual([expect.objectContaining({ monthly: expect.any(Number) })]);
  const standard: CfnTemplate = structuredClone(t);
  for (const r of Object.values(standard.Resources))
    if (r.Type === 'AWS::EC2::LaunchTemplate') r.Properties.LaunchTemplateData.CreditSpecification = { CpuCredits: 'standard' };
  expect(line(atCeiling(standard), 'CPU credits (unlimited mode)')).toEqual([]);
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
