/**
 * Every stage template the test suite reads, listed once. The suite's global setup synthesizes
 * each of them once per run (or takes it from the cache when the sources are unchanged, see
 * ./synth-cache.ts), so test files read JSON and never load aws-cdk-lib themselves.
 *
 * A test that needs another configuration adds it to `VARIANTS` here; reading one that is not
 * listed fails and says so.
 */
import { STAGE_NUMBERS, type StageNumber } from '../../lib/config';
import type { Overrides } from '../../lib/synth';

export interface Variant {
  readonly name: string;
  readonly stage: StageNumber;
  readonly overrides: Overrides;
}

/**
 * The stage × option combinations the README promises, each with a normalised snapshot: every
 * stage in the default configuration, and each option's other values one at a time, then all of
 * them together. Every combination of options is synthesized with every check in
 * `npm run test:matrix` (lib/checks/matrix.ts).
 */
const LOAD_BALANCED_OPTIONS: Overrides[] = [
  {},
  { webTier: 'ecs' },
  { dataStore: 'dynamodb' },
  { https: 'false' },
  { webTier: 'ecs', dataStore: 'dynamodb', https: 'false' },
];

export const COMBINATIONS: Variant[] = [
  { name: 'stage 1', stage: 1, overrides: {} },
  ...(['rds', 'dynamodb'] as const).map((dataStore) => ({
    name: `stage 2 dataStore=${dataStore}`,
    stage: 2 as const,
    overrides: { dataStore },
  })),
  ...([3, 4, 5, 6] as const).flatMap((stage) =>
    LOAD_BALANCED_OPTIONS.map((overrides) => ({
      name: `stage ${stage} ${Object.entries({ webTier: 'ec2', dataStore: 'rds', https: 'true', ...overrides })
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      stage,
      overrides,
    })),
  ),
];

/** A configuration a real deployment would have: no placeholders, another region and zones. */
export const REAL_PLACE = {
  domainName: 'mysite.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  account: '210987654321',
  region: 'eu-west-1',
  availabilityZones: 'eu-west-1b,eu-west-1c',
} as const;

/** Weights per stage, none of them the default. */
export const WEIGHTS = '{"1":0,"3":255,"4":7,"5":9,"6":0}';

/**
 * Stage 1 with every option that reaches it changed: a Graviton type, no deletion protection, no
 * verification, a weight of 0.
 */
export const SINGLE_SERVER_ALTERED = {
  instanceType: 'm7g.large',
  deletionProtection: 'false',
  verifyDeployment: 'false',
  weight: WEIGHTS,
} as const;
/** Stage 2's database resized, kept longer, unprotected. */
export const RELATIONAL_ALTERED = {
  databaseInstanceType: 'db.r7g.large',
  databaseStorageGiB: '100',
  backupRetentionDays: '35',
  deletionProtection: 'false',
} as const;
/** Stage 2's table unprotected. */
export const TABLE_ALTERED = { dataStore: 'dynamodb', deletionProtection: 'false' } as const;
/** A load-balanced stage with every option of its front and its EC2 tier changed. */
export const LOAD_BALANCED_ALTERED = {
  natCount: '1',
  minCapacity: '3',
  maxCapacity: '8',
  desiredCapacity: '4',
  verifyDeployment: 'false',
  weight: WEIGHTS,
  pauseWrites: '3,4,5,6',
} as const;
/** An Auto Scaling group that cannot grow: a rolling update must still replace one instance at a time. */
export const FIXED_SIZE = { minCapacity: '4', maxCapacity: '4' } as const;
/** The web servers' connection pool resized: a change to what the servers run (their environment), and to nothing else. */
export const POOL_RESIZED = { databasePoolSize: '12' } as const;
/** The Fargate tier with its options changed. */
export const FARGATE_ALTERED = {
  webTier: 'ecs',
  natCount: '1',
  minCapacity: '3',
  maxCapacity: '8',
  taskCpu: '1024',
  taskMemoryMiB: '4096',
} as const;
export const FARGATE_DYNAMODB = { webTier: 'ecs', dataStore: 'dynamodb' } as const;
/** A table and one NAT gateway for two zones: egress is the one single point of failure left. */
export const TABLE_ONE_NAT = { dataStore: 'dynamodb', natProvider: 'gateway', natCount: '1' } as const;
/** NAT gateways where the default is instances (stages 3 and 4), and instances where it is gateways (from 5). */
export const NAT_GATEWAYS = { natProvider: 'gateway' } as const;
export const NAT_INSTANCES = { natProvider: 'instance' } as const;
/** One x86 NAT instance for two zones. */
export const ONE_NAT_INSTANCE = { natProvider: 'instance', natCount: '1', natInstanceType: 't3.micro' } as const;
/** Stage 4's cluster with its options changed: more readers over three zones, a capacity range, restored from a snapshot. */
export const REPLICATED_ALTERED = {
  availabilityZones: 'us-east-1a,us-east-1b,us-east-1c',
  readReplicas: '3',
  databaseMinAcu: '1',
  databaseMaxAcu: '8',
  databasePoolSize: '20',
  databaseSnapshot: 'arn:aws:rds:us-east-1:123456789012:snapshot:stage3-final',
  deletionProtection: 'false',
} as const;
/** Stage 5's cache and edge with their options changed. */
export const CACHE_CDN_ALTERED = {
  cacheMaxGiB: '10',
  cacheMaxEcpuPerSecond: '50000',
  wafMode: 'count',
  wafRateLimit: '500',
  priceClass: 'All',
} as const;
/** Stage 6 given the API name after stage 5 (which is then at weight 0): the cutover between CDN stages. */
export const CDN_CUTOVER = { weight: '{"5":0,"6":100}' } as const;
/** Stage 6's Spot mix and sessions with their options changed, on Graviton. */
export const STATELESS_ALTERED = { instanceType: 'm7g.large', spotPercentage: '60', onDemandBase: '2', sessionTtlHours: '2' } as const;
/** Stage 6 all on demand: Spot is a choice, not a requirement. */
export const NO_SPOT = { webTier: 'ecs', spotPercentage: '0', onDemandBase: '0' } as const;
/** Stage 3's database four vCPUs strong: its ceiling, not the web tier's, moves (test/capacity). */
export const LARGER_DATABASE = { databaseInstanceType: 'db.m7g.xlarge' } as const;
/** Stage 4 with the table an earlier stage kept. */
export const ADOPTED_TABLE = { dataStore: 'dynamodb', existingTable: 'Stage3-LoadBalanced-NoSqlDataTable-1A2B3C4D5E6F' } as const;

const variant = (stage: StageNumber, overrides: Overrides): Variant => ({
  name: `stage ${stage} ${Object.entries(overrides)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')}`.trim(),
  stage,
  overrides,
});

/**
 * Stand-ins for stages not built yet, so `npm run bench` can time the test loop at ten stages:
 * with ZTM_STAND_INS=<n>, the variants of stages 3 to 2 + n are synthesized again with another
 * record name (the same constructs, templates of the same size), and every invariant is checked on
 * them (test/checks/invariants.test.ts reads every variant). Nothing else reads them: the stage
 * tests and snapshots stay those of six stages.
 */
function standIns(variants: readonly Variant[], count: number): Variant[] {
  const stood = new Set(STAGE_NUMBERS.filter((stage) => stage >= 3 && stage < 3 + count));
  return variants
    .filter((v) => stood.has(v.stage))
    .map((v) => ({ name: `stand-in for ${v.name}`, stage: v.stage, overrides: { ...v.overrides, recordName: 'standin' } }));
}

/** Other configurations the stage and construct tests read, beyond the combinations. */
const READ: Variant[] = [
  ...COMBINATIONS,
  ...STAGE_NUMBERS.map((stage) => variant(stage, REAL_PLACE)),
  variant(1, SINGLE_SERVER_ALTERED),
  variant(2, RELATIONAL_ALTERED),
  variant(2, TABLE_ALTERED),
  variant(3, LOAD_BALANCED_ALTERED),
  variant(4, LOAD_BALANCED_ALTERED),
  variant(3, FIXED_SIZE),
  variant(3, POOL_RESIZED),
  variant(3, LARGER_DATABASE),
  variant(3, FARGATE_ALTERED),
  variant(3, FARGATE_DYNAMODB),
  variant(3, TABLE_ONE_NAT),
  variant(3, NAT_GATEWAYS),
  variant(4, NAT_GATEWAYS),
  variant(3, ONE_NAT_INSTANCE),
  variant(5, NAT_INSTANCES),
  variant(6, NAT_INSTANCES),
  variant(4, REPLICATED_ALTERED),
  variant(4, ADOPTED_TABLE),
  variant(5, LOAD_BALANCED_ALTERED),
  variant(5, CACHE_CDN_ALTERED),
  variant(5, { weight: '{"5":0}' }),
  variant(6, LOAD_BALANCED_ALTERED),
  variant(6, STATELESS_ALTERED),
  variant(6, { ...STATELESS_ALTERED, webTier: 'ecs', dataStore: 'dynamodb' }),
  variant(6, NO_SPOT),
  variant(6, CDN_CUTOVER),
];

/** Every stage variant the suite synthesizes. */
export const VARIANTS: Variant[] = [...READ, ...standIns(READ, Number(process.env.ZTM_STAND_INS ?? 0))];

/** The stages that hold data, as test/checks/data-resources.json pins them. */
export const DATA_STAGES: Variant[] = [
  { name: 'Stage1-SingleServer', stage: 1, overrides: {} },
  { name: 'Stage2-SeparateData dataStore=rds', stage: 2, overrides: { dataStore: 'rds' } },
  { name: 'Stage2-SeparateData dataStore=dynamodb', stage: 2, overrides: { dataStore: 'dynamodb' } },
  { name: 'Stage3-LoadBalanced dataStore=rds', stage: 3, overrides: { dataStore: 'rds' } },
  { name: 'Stage3-LoadBalanced dataStore=dynamodb', stage: 3, overrides: { dataStore: 'dynamodb' } },
  { name: 'Stage4-ReplicatedData dataStore=rds', stage: 4, overrides: { dataStore: 'rds' } },
  { name: 'Stage4-ReplicatedData dataStore=dynamodb', stage: 4, overrides: { dataStore: 'dynamodb' } },
  { name: 'Stage5-CacheAndCdn dataStore=rds', stage: 5, overrides: { dataStore: 'rds' } },
  { name: 'Stage5-CacheAndCdn dataStore=dynamodb', stage: 5, overrides: { dataStore: 'dynamodb' } },
  { name: 'Stage6-Stateless dataStore=rds', stage: 6, overrides: { dataStore: 'rds' } },
  { name: 'Stage6-Stateless dataStore=dynamodb', stage: 6, overrides: { dataStore: 'dynamodb' } },
];
