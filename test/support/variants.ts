/**
 * Every stage template the test suite reads, listed once. The suite's global setup synthesizes
 * each of them once per run (or takes it from the cache when the sources are unchanged, see
 * ./synth-cache.ts), so test files read JSON and never load aws-cdk-lib themselves.
 *
 * A test that needs another configuration adds it to `VARIANTS` here; reading one that is not
 * listed fails and says so.
 */
import type { StageNumber } from '../../lib/config';
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
export const COMBINATIONS: Variant[] = [
  { name: 'stage 1', stage: 1, overrides: {} },
  ...(['rds', 'dynamodb'] as const).map((dataStore) => ({
    name: `stage 2 dataStore=${dataStore}`,
    stage: 2 as const,
    overrides: { dataStore },
  })),
  ...[{}, { webTier: 'ecs' }, { dataStore: 'dynamodb' }, { https: 'false' }, { webTier: 'ecs', dataStore: 'dynamodb', https: 'false' }].map(
    (overrides) => ({
      name: `stage 3 ${Object.entries({ webTier: 'ec2', dataStore: 'rds', https: 'true', ...overrides })
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      stage: 3 as const,
      overrides,
    }),
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

const variant = (stage: StageNumber, overrides: Overrides): Variant => ({
  name: `stage ${stage} ${Object.entries(overrides)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')}`.trim(),
  stage,
  overrides,
});

/** Other configurations the stage and construct tests read, beyond the combinations. */
export const VARIANTS: Variant[] = [
  ...COMBINATIONS,
  variant(2, REAL_PLACE),
  variant(3, REAL_PLACE),
  variant(1, { instanceType: 'm7g.large' }),
  variant(1, { deletionProtection: 'false' }),
  variant(1, { verifyDeployment: 'false' }),
  variant(1, REAL_PLACE),
  variant(1, { weight: '{"1":0,"3":255}' }),
  variant(2, { databaseInstanceType: 'db.r7g.large', databaseStorageGiB: '100', backupRetentionDays: '35' }),
  variant(2, { deletionProtection: 'false' }),
  variant(2, { dataStore: 'dynamodb', deletionProtection: 'false' }),
  variant(3, { natGateways: '1' }),
  variant(3, { webTier: 'ecs', natGateways: '1' }),
  variant(3, { dataStore: 'dynamodb', natGateways: '1' }),
  variant(3, { minCapacity: '3', maxCapacity: '10', desiredCapacity: '4' }),
  variant(3, { minCapacity: '4', maxCapacity: '4' }),
  variant(3, { webTier: 'ecs', minCapacity: '3', maxCapacity: '9', taskCpu: '1024', taskMemoryMiB: '4096' }),
  variant(3, { verifyDeployment: 'false' }),
  variant(3, { weight: '{"1":0,"3":255}' }),
  variant(3, { webTier: 'ecs', dataStore: 'dynamodb' }),
];

/** The stages that hold data, as test/checks/data-resources.json pins them. */
export const DATA_STAGES: Variant[] = [
  { name: 'Stage1-SingleServer', stage: 1, overrides: {} },
  { name: 'Stage2-SeparateData dataStore=rds', stage: 2, overrides: { dataStore: 'rds' } },
  { name: 'Stage2-SeparateData dataStore=dynamodb', stage: 2, overrides: { dataStore: 'dynamodb' } },
  { name: 'Stage3-LoadBalanced dataStore=rds', stage: 3, overrides: { dataStore: 'rds' } },
  { name: 'Stage3-LoadBalanced dataStore=dynamodb', stage: 3, overrides: { dataStore: 'dynamodb' } },
];
