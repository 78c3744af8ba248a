/**
 * Every stage × option combination the app accepts, at the bounds where options interact, and the
 * check of one combination: synthesized with CloudFormation validation, cdk-nag and the invariants
 * on. `npm run test:matrix` checks them all; `npm run bench` times them.
 */
import type { StageNumber } from '../config';
import { type Overrides, synthesize } from '../synth';
import { subjectOf, type Violation, violationsOf } from './invariants';

export interface Combination {
  readonly name: string;
  readonly stage: StageNumber;
  readonly overrides: Overrides;
}

const cross = <T extends Record<string, readonly unknown[]>>(dimensions: T): { [K in keyof T]: T[K][number] }[] =>
  Object.entries(dimensions).reduce<any[]>(
    (acc, [key, values]) => acc.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v }))),
    [{}],
  );

const nameOf = (stage: StageNumber, o: Overrides) =>
  `stage ${stage} ${Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')}`.trim();

/** Networks at their bounds: fewer NATs than zones, one per zone, and three zones (each stage with its own default NAT). */
const NETWORKS = [
  { availabilityZones: 'us-east-1a,us-east-1b', natCount: '1' },
  { availabilityZones: 'us-east-1a,us-east-1b', natCount: '2' },
  { availabilityZones: 'us-east-1a,us-east-1b,us-east-1c', natCount: '3' },
];
/** Each stage with private subnets under the NAT it does not default to (stages 3 and 4 default to instances, 5 and 6 to gateways). */
const OTHER_NAT = { 3: 'gateway', 4: 'gateway', 5: 'instance', 6: 'instance' } as const;
/** Where a stage deploys: in us-east-1 with the edge, or elsewhere with the edge's companion stack. */
const PLACES = [
  { region: 'us-east-1', availabilityZones: 'us-east-1a,us-east-1b' },
  { region: 'eu-west-1', availabilityZones: 'eu-west-1a,eu-west-1b,eu-west-1c' },
];
/** Capacities at their bounds: the smallest, the widest and the largest range the app accepts. */
const CAPACITIES = [
  { minCapacity: '2', maxCapacity: '2' },
  // A hundred web servers need a database that takes their connections (databasePoolSize).
  { minCapacity: '2', maxCapacity: '100', databaseInstanceType: 'db.r7g.2xlarge' },
  { minCapacity: '100', maxCapacity: '100', databaseInstanceType: 'db.r7g.2xlarge' },
];

export const MATRIX: Combination[] = [
  ...cross({ instanceType: ['t3.small', 'm7g.large'], deletionProtection: ['true', 'false'] }).map((o) => ({
    stage: 1 as const,
    overrides: o,
  })),
  ...cross({ dataStore: ['rds', 'dynamodb'], deletionProtection: ['true', 'false'] }).map((o) => ({ stage: 2 as const, overrides: o })),
  ...cross({
    webTier: ['ec2', 'ecs'],
    dataStore: ['rds', 'dynamodb'],
    https: ['true', 'false'],
    network: NETWORKS,
    capacity: CAPACITIES,
  }).map(({ network, capacity, ...o }) => ({ stage: 3 as const, overrides: { ...o, ...network, ...capacity } })),
  // Stage 4's front is stage 3's: its options are crossed with the networks, not again with the capacities.
  ...cross({ webTier: ['ec2', 'ecs'], dataStore: ['rds', 'dynamodb'], https: ['true', 'false'], network: NETWORKS }).map(
    ({ network, ...o }) => ({
      stage: 4 as const,
      overrides: { ...o, ...network },
    }),
  ),
  // The cluster at its bounds: the most readers over three zones, the widest capacity, restored from a snapshot.
  {
    stage: 4 as const,
    overrides: { availabilityZones: 'us-east-1a,us-east-1b,us-east-1c', readReplicas: '15', databaseMinAcu: '0.5', databaseMaxAcu: '256' },
  },
  { stage: 4 as const, overrides: { databaseSnapshot: 'arn:aws:rds:us-east-1:123456789012:snapshot:stage3-final', pauseWrites: '4' } },
  { stage: 4 as const, overrides: { dataStore: 'dynamodb', existingTable: 'Stage3-LoadBalanced-NoSqlDataTable-1A2B3C4D5E6F' } },
  // Stage 5 adds the edge, which lives in us-east-1 whatever the stage's region: both placements.
  ...cross({ webTier: ['ec2', 'ecs'], dataStore: ['rds', 'dynamodb'], https: ['true', 'false'], place: PLACES }).map(({ place, ...o }) => ({
    stage: 5 as const,
    overrides: { ...o, ...place },
  })),
  // The edge and the cache at their bounds.
  {
    stage: 5 as const,
    overrides: { wafMode: 'count', wafRateLimit: '10', priceClass: 'All', cacheMaxGiB: '5000', cacheMaxEcpuPerSecond: '15000000' },
  },
  {
    stage: 5 as const,
    overrides: {
      ...NETWORKS[0],
      pauseWrites: '5',
      priceClass: '200',
      wafRateLimit: '2000000000',
      cacheMaxGiB: '1',
      cacheMaxEcpuPerSecond: '1000',
    },
  },
  // Stage 6 adds sessions in the shared store and Spot: each web tier and store, Spot at its bounds.
  ...cross({
    webTier: ['ec2', 'ecs'],
    dataStore: ['rds', 'dynamodb'],
    spot: [
      { spotPercentage: '0', onDemandBase: '0' },
      { spotPercentage: '100', onDemandBase: '0' },
      { spotPercentage: '50', onDemandBase: '2' },
    ],
  }).map(({ spot, ...o }) => ({ stage: 6 as const, overrides: { ...o, ...spot } })),
  { stage: 6 as const, overrides: { instanceType: 't4g.small', sessionTtlHours: '720', region: 'eu-west-1', https: 'false' } },
  // A hundred servers of the largest type, with a database whose connections hold them.
  {
    stage: 6 as const,
    overrides: { instanceType: 'c7a.48xlarge', sessionTtlHours: '1', minCapacity: '100', maxCapacity: '100', databaseMaxAcu: '32' },
  },
  // The other NAT of each stage, over the networks: the web tier is what waits for its egress; data, capacity and https never touch it.
  ...cross({ stage: [3, 4, 5, 6] as const, webTier: ['ec2', 'ecs'], network: NETWORKS }).map(({ stage, network, ...o }) => ({
    stage,
    overrides: { ...o, ...network, natProvider: OTHER_NAT[stage] },
  })),
  // NAT instances of another architecture and size than the default (t4g.nano): x86, and a larger Graviton.
  { stage: 3 as const, overrides: { natProvider: 'instance', natInstanceType: 't3.micro' } },
  { stage: 6 as const, overrides: { natProvider: 'instance', natInstanceType: 'c7g.large', region: 'eu-west-1' } },
  // deletionProtection reaches only the data tier (and stage 1's instance): it is crossed with the
  // options that shape the data tier, not with networks and capacities that never touch it.
  ...cross({ stage: [3, 4, 5, 6] as const, webTier: ['ec2', 'ecs'], dataStore: ['rds', 'dynamodb'], deletionProtection: ['false'] }).map(
    ({ stage, ...o }) => ({ stage, overrides: o }),
  ),
].map(({ stage, overrides }) => ({ name: nameOf(stage, overrides), stage, overrides }));

export interface CheckedCombination {
  /** Invariant violations, by invariant. */
  readonly violations: Record<string, Violation[]>;
  /** Findings of CloudFormation validation, cdk-nag and the invariants plugin that no acknowledgement covers. */
  readonly findings: string[];
}

/** Synthesizes one stage with every check on, as `cdk synth` does, and evaluates the invariants on its template. */
export function checkCombination(stage: StageNumber, overrides: Overrides): CheckedCombination {
  const { stages, findings } = synthesize({ ...overrides, stages: String(stage) }, { validation: true, nag: true, invariants: true });
  const subject = subjectOf(stages[0].template);
  if (!subject) throw new Error(`the template of stage ${stage} carries no stage metadata`);
  return { violations: violationsOf(subject), findings };
}
