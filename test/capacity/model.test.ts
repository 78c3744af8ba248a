/**
 * The capacity model (lib/capacity/model.ts): the utilization law on each component, the component
 * that saturates first in every stage, and what moving a setting does to both, as it would in AWS.
 */

import { CAPACITY_INPUTS } from '../../lib/capacity/inputs';
import { type Component, capacityOfStage, ceilingsOf, serviceDemand, vcpusOf } from '../../lib/capacity/model';
import { STAGE_NUMBERS } from '../../lib/config';
import { templateOf } from '../support/synth-cache';
import type { CfnTemplate } from '../support/template';
import { CACHE_CDN_ALTERED, FARGATE_ALTERED, LARGER_DATABASE, LOAD_BALANCED_ALTERED, REPLICATED_ALTERED } from '../support/variants';

const component = (name: string, capacity: number, perRead: number, perWrite: number): Component => ({
  name,
  resource: name,
  capacity,
  unit: 'µs',
  perRead,
  perWrite,
  basis: '',
});
const byName = (capacity: ReturnType<typeof capacityOfStage>, pattern: RegExp) => {
  const found = capacity.components.filter((c) => pattern.test(c.name));
  expect(found).toHaveLength(1);
  return found[0];
};

test('each component saturates at capacity ÷ demand; the stage at the lowest, reads, writes and the mix each on their own', () => {
  // Reads cost 1 of A and 4 of B, writes 10 of A and 1 of B: A limits writes, B limits reads.
  const r = ceilingsOf([component('A', 1000, 1, 10), component('B', 1000, 4, 1)], 0.5);
  expect(r.ceiling.reads).toBe(250); // B: 1000 / 4
  expect(r.ceiling.writes).toBe(100); // A: 1000 / 10
  expect(r.ceiling.mixed).toBeCloseTo(1000 / 5.5, 9); // A: 1000 / (0.5 × 1 + 0.5 × 10)
  expect(r.bottleneck).toEqual({ reads: 'B', writes: 'A', mixed: 'A' });
  expect(r.components.map((c) => c.name)).toEqual(['A', 'B']); // the first to saturate first
  // A component a kind of request never reaches does not limit it.
  expect(ceilingsOf([component('reads only', 10, 1, 0)], 0.9).ceiling.writes).toBe(Number.POSITIVE_INFINITY);
  // Daily users: the ceiling is the peak, the peak twice the day's average, 100 requests a user a day.
  const { requestsPerUserPerDay, peakToAverage } = CAPACITY_INPUTS.assumptions;
  expect(r.users).toBe(Math.floor(((1000 / 5.5) * 86_400) / (requestsPerUserPerDay * peakToAverage)));
});

test("a cached read costs the server the hit's CPU, or on a miss the uncached read plus the cache's GET and SET", () => {
  const s = CAPACITY_INPUTS.measured.serviceMicros;
  expect(serviceDemand('postgresql', 0, 'all')).toEqual({ read: s['read-postgresql'].all, write: s['write-postgresql'].all });
  const half = serviceDemand('postgresql', 0.5, 'mainThread');
  expect(half.read).toBeCloseTo(0.5 * s['read-cache-hit'].mainThread + 0.5 * s['read-cache-miss'].mainThread, 9);
  expect(serviceDemand('dynamodb', 0.5, 'all').read).toBeCloseTo(
    0.5 * s['read-cache-hit'].all + 0.5 * (s['read-dynamodb'].all + s['read-cache-miss'].all - s['read-postgresql'].all),
    9,
  );
});

test('vCPUs come from the size: burstable sizes up to large have two, others two per large and four per xlarge', () => {
  expect(['t3.small', 'db.t4g.micro', 'm7g.large', 't3.xlarge', 'db.r7g.xlarge', 'm7g.4xlarge'].map((s) => vcpusOf(s))).toEqual([
    2, 2, 2, 4, 4, 16,
  ]);
  expect(vcpusOf('m7g.metal')).toBeUndefined();
});

test('in the default configuration each stage saturates first where the chapter says the next stage helps', () => {
  const first = STAGE_NUMBERS.map((s) => capacityOfStage(templateOf(s)).bottleneck.mixed);
  expect(first).toEqual([
    'web tier: 1 × t3.small, its Node process', // one process on one server: stage 3 adds servers
    'web tier: 1 × t3.small, its Node process',
    'database: db.t4g.micro', // many servers, one database: stage 4 adds readers
    expect.stringMatching(/^database readers: 1 × Serverless v2 up to \d+ ACU$/), // stage 5 caches the reads
    'managed cache: up to 10,000 ECPU/s', // the cache's own usage limit, a setting
    'managed cache: up to 10,000 ECPU/s',
  ]);
  for (const s of STAGE_NUMBERS) {
    const c = capacityOfStage(templateOf(s));
    expect(c.ceiling.mixed).toBeGreaterThan(1000);
    expect(c.ceiling.mixed).toBe(c.components[0].ceiling.mixed);
    expect(c.readShare).toBe(CAPACITY_INPUTS.assumptions.readShare);
  }
});

test('stage 2 splits the host: the web tier gains the vCPUs PostgreSQL and Valkey had, and loses the cache', () => {
  const one = capacityOfStage(templateOf(1));
  const two = capacityOfStage(templateOf(2));
  const host = byName(one, /^single host: t3\.small, 2 vCPUs for the web app, PostgreSQL and Valkey$/);
  const web = byName(two, /^web tier: 1 × t3\.small, 2 vCPUs$/);
  expect(web.capacity).toBe(host.capacity);
  expect(web.perWrite).toBeLessThan(host.perWrite); // PostgreSQL's share of a write left the host
  // Stage 1's Valkey answers most reads; stage 2 has no cache, so each read costs the server more.
  expect(two.ceiling.reads).toBeLessThan(one.ceiling.reads);
});

test('more web servers (maxCapacity) move the web tier ceiling in proportion, and not the stage bound by its database', () => {
  const base = capacityOfStage(templateOf(3));
  const more = capacityOfStage(templateOf(3, LOAD_BALANCED_ALTERED)); // maxCapacity 6 → 8
  const web = (c: typeof base) => byName(c, /^web tier: \d+ × t3\.small, one Node process each$/);
  expect(web(more).ceiling.mixed / web(base).ceiling.mixed).toBeCloseTo(8 / 6, 9);
  expect(more.ceiling).toEqual(base.ceiling);
  expect(more.bottleneck.mixed).toBe('database: db.t4g.micro');
});

test('a larger database instance raises the ceiling of stage 3 until the web tier is the bound', () => {
  const base = capacityOfStage(templateOf(3));
  const larger = capacityOfStage(templateOf(3, LARGER_DATABASE)); // db.t4g.micro (2 vCPUs) → db.m7g.xlarge (4)
  expect(
    byName(larger, /^database: db\.m7g\.xlarge$/).ceiling.mixed / byName(base, /^database: db\.t4g\.micro$/).ceiling.mixed,
  ).toBeCloseTo(2, 9);
  expect(larger.ceiling.mixed).toBeGreaterThan(base.ceiling.mixed);
  expect(larger.bottleneck.mixed).toMatch(/^web tier: 6 × t3\.small/);
});

test('more readers and more ACUs (readReplicas, databaseMaxAcu) raise the readers ceiling by their vCPUs, and the bottleneck moves on', () => {
  const base = capacityOfStage(templateOf(4));
  const altered = capacityOfStage(templateOf(4, REPLICATED_ALTERED)); // 1 reader up to 4 ACU → 3 readers up to 8 ACU
  const readers = (c: typeof base) => byName(c, /^database readers: /);
  expect(readers(altered).name).toBe('database readers: 3 × Serverless v2 up to 8 ACU');
  expect(readers(altered).capacity).toBe(
    3 * 8 * CAPACITY_INPUTS.limits.vcpuPerAcu.value * 1e6 * CAPACITY_INPUTS.assumptions.vcpuToMeasuredCore,
  );
  expect(readers(altered).ceiling.reads / readers(base).ceiling.reads).toBeCloseTo((3 * 8) / (1 * 4), 9);
  // The writer takes no reads once the readers do.
  expect(byName(altered, /^database writer: /).perRead).toBe(0);
  expect(altered.ceiling.mixed).toBeGreaterThan(base.ceiling.mixed);
  expect(altered.bottleneck.mixed).not.toMatch(/^database readers/);
});

test("the managed cache's ECPU limit (cacheMaxEcpuPerSecond) is its ceiling: raised fivefold, so is the stage's, until the next component", () => {
  const base = capacityOfStage(templateOf(5));
  const raised = capacityOfStage(templateOf(5, CACHE_CDN_ALTERED)); // 10,000 → 50,000 ECPU/s
  expect(byName(raised, /^managed cache/).ceiling.mixed / byName(base, /^managed cache/).ceiling.mixed).toBeCloseTo(5, 9);
  expect(raised.ceiling.mixed / base.ceiling.mixed).toBeCloseTo(5, 9);
  expect(raised.bottleneck.mixed).toBe('managed cache: up to 50,000 ECPU/s');
  // Without a limit of its own the cache is no ceiling: the next component is.
  const unlimited: CfnTemplate = structuredClone(templateOf(5));
  for (const r of Object.values(unlimited.Resources))
    if (r.Type === 'AWS::ElastiCache::ServerlessCache') delete r.Properties.CacheUsageLimits.ECPUPerSecond;
  const next = capacityOfStage(unlimited);
  expect(next.bottleneck.mixed).toBe(base.components[1].name);
  expect(next.ceiling.mixed).toBeCloseTo(base.components[1].ceiling.mixed, 6);
  // The edge answers a share of the reads: a read reaching the cache costs less than one ECPU a request.
  const { edgeHitRatioForItems } = require('../../lib/compare/prices.json').assumptions;
  expect(byName(base, /^CDN:/).perRead).toBe(1);
  expect(byName(base, /^managed cache/).perRead).toBeLessThan(2 * (1 - edgeHitRatioForItems) + 1e-9);
});

test('Fargate tasks count their task CPU; DynamoDB adds its table quotas, and its adapter costs the web tier more than PostgreSQL', () => {
  const fargate = capacityOfStage(templateOf(3, FARGATE_ALTERED)); // 8 tasks of 1 vCPU
  expect(byName(fargate, /^web tier: 8 × 1 vCPU Fargate tasks, 8 vCPUs$/).capacity).toBe(
    8 * 1e6 * CAPACITY_INPUTS.assumptions.vcpuToMeasuredCore,
  );
  const table = capacityOfStage(templateOf(3, { dataStore: 'dynamodb' }));
  const L = CAPACITY_INPUTS.limits;
  expect(byName(table, /^table reads/).capacity).toBe(L.dynamodbTableRequestUnitsPerSecond.value.read);
  expect(byName(table, /^table writes/).ceiling.writes).toBe(
    L.dynamodbTableRequestUnitsPerSecond.value.write / L.dynamodbRequestUnits.value.write,
  );
  expect(table.components.some((c) => c.name.startsWith('database'))).toBe(false);
  expect(table.bottleneck.mixed).toMatch(/^web tier/);
  expect(table.ceiling.mixed).toBeLessThan(
    capacityOfStage(templateOf(3)).components.find((c) => c.name.startsWith('web tier'))!.ceiling.mixed,
  );
  expect(table.notes.join('\n')).toMatch(/new on-demand table serves 12,000 read and 4,000 write units/);
});

test('a size whose vCPUs the inputs do not give is bounded by its processes alone, and the notes say so', () => {
  const t: CfnTemplate = structuredClone(templateOf(3));
  for (const r of Object.values(t.Resources))
    if (r.Type === 'AWS::EC2::LaunchTemplate' && r.Properties.LaunchTemplateData.InstanceType === 't3.small')
      r.Properties.LaunchTemplateData.InstanceType = 'c6i.metal';
  const c = capacityOfStage(t);
  expect(c.components.filter((x) => x.name.startsWith('web tier')).map((x) => x.name)).toEqual([
    'web tier: 6 × c6i.metal, one Node process each',
  ]);
  expect(c.notes).toContain(
    'The vCPUs of c6i.metal are not in lib/capacity/inputs.json (vcpusBySize): it is left out of the ceiling, which may be lower than shown.',
  );
  expect(() => ceilingsOf([], 0.9)).toThrow('the capacity model found no component that carries requests in this template');
});

test('a burstable web tier in standard credit mode sustains only its baseline', () => {
  const t: CfnTemplate = structuredClone(templateOf(3));
  for (const r of Object.values(t.Resources))
    if (r.Type === 'AWS::EC2::LaunchTemplate') r.Properties.LaunchTemplateData.CreditSpecification = { CpuCredits: 'standard' };
  const vcpuTier = (c: ReturnType<typeof capacityOfStage>) => c.components.find((x) => /^web tier: .*vCPUs$/.test(x.name))!;
  const baseline = CAPACITY_INPUTS.limits.burstableBaselinePerVcpu.value.small;
  expect(vcpuTier(capacityOfStage(t)).capacity).toBeCloseTo(vcpuTier(capacityOfStage(templateOf(3))).capacity * baseline, 6);
});

test('the notes say what else limits a stage: connections, the firewall, and what saturates next', () => {
  const notes = (s: (typeof STAGE_NUMBERS)[number]) => capacityOfStage(templateOf(s)).notes.join('\n');
  expect(notes(1)).not.toMatch(/Connections/); // PostgreSQL on the host
  expect(notes(3)).toMatch(/^Connections: at most 6 servers × 10 = 60, within the 89 one database instance takes/m);
  expect(notes(4)).toMatch(/^Connections: at most 6 servers × 2 pools \(writer and readers\) × 10 = 120/m);
  expect(notes(5)).toMatch(/The firewall answers 429 to one address above \d+ requests in 5 minutes/);
  expect(notes(3)).toMatch(/^Next to saturate: web tier: .* at [\d,]+ requests a second \(\d+\.\d× the ceiling\)\.$/m);
  expect(notes(3)).toMatch(/load balancer scales with traffic/);
});
