/**
 * Data-loss guard for live stacks: no configuration change a user makes to a stage that is already
 * serving may make CloudFormation replace its database, its table or stage 1's instance.
 */
import { dataIdentity } from '../../lib/checks/data-identity';
import { type Overrides, synthesize } from '../../lib/synth';
import { DATA_STAGES } from '../support/variants';

/** Configuration changes a user makes to a stage that is already serving. None may replace its data. */
const LIVE_CHANGES: Overrides[] = [
  { instanceType: 'm7i.large' },
  { databaseInstanceType: 'db.r7g.large' },
  { databaseStorageGiB: '200' },
  { backupRetentionDays: '30' },
  { deletionProtection: 'false' },
  { webTier: 'ecs' },
  { https: 'false' },
  { natCount: '1' },
  { natProvider: 'gateway' },
  { natProvider: 'instance', natInstanceType: 't4g.small' },
  { minCapacity: '4', maxCapacity: '8', desiredCapacity: '6' },
  { cpuTargetPercent: '40', requestsPerTarget: '1000' },
  { weight: '0' },
  { recordName: 'www' },
  { taskCpu: '1024', taskMemoryMiB: '2048' },
  { verifyDeployment: 'false' },
  { readReplicas: '3', availabilityZones: 'us-east-1a,us-east-1b,us-east-1c' },
  { databaseMinAcu: '1', databaseMaxAcu: '16' },
  { databasePoolSize: '5' },
  { pauseWrites: '3,4' },
];

const identityOf = (stage: 1 | 2 | 3 | 4, overrides: Overrides) =>
  dataIdentity(synthesize({ ...overrides, stages: String(stage) }).stages[0].template, stage === 1);

describe.each(DATA_STAGES.map((s) => [s.name, s] as const))('%s', (_name, { stage, overrides }) => {
  const before = identityOf(stage as 1 | 2 | 3 | 4, overrides);
  test.each(LIVE_CHANGES.map((change) => [JSON.stringify(change), change] as const))(
    'changing %s on a live stack replaces none of its data',
    (_change, change) => {
      expect(identityOf(stage as 1 | 2 | 3 | 4, { ...overrides, ...change })).toEqual(before);
    },
  );
});

test('restoring stage 4 from a snapshot, or dropping the snapshot later, replaces the cluster: the configuration says to keep it set', () => {
  const empty = identityOf(4, { dataStore: 'rds' });
  const restored = identityOf(4, { dataStore: 'rds', databaseSnapshot: 'arn:aws:rds:us-east-1:123456789012:snapshot:stage3-final' });
  expect(restored).not.toEqual(empty);
});
