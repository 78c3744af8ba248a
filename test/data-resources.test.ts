/**
 * Data-loss guard: a change that would make CloudFormation replace a database, a table or stage 1's
 * instance (and so start it empty) fails here, whether it comes from the code or from a
 * configuration change a user makes on a live stack.
 *
 * test/data-resources.json pins the identity of every data resource. If a replacement is really
 * intended, plan the data migration, then update that file in the same commit and say why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StageNumber } from '../lib/config';
import { Overrides, templateOf } from './support/app';
import { dataIdentity } from './support/data-identity';

const PINNED: Record<string, Record<string, unknown>> = JSON.parse(readFileSync(join(__dirname, 'data-resources.json'), 'utf8'));

const STAGES_WITH_DATA: { name: string; stage: StageNumber; overrides: Overrides }[] = [
  { name: 'Stage1-SingleServer', stage: 1, overrides: {} },
  { name: 'Stage2-SeparateData dataStore=rds', stage: 2, overrides: { dataStore: 'rds' } },
  { name: 'Stage2-SeparateData dataStore=dynamodb', stage: 2, overrides: { dataStore: 'dynamodb' } },
  { name: 'Stage3-LoadBalanced dataStore=rds', stage: 3, overrides: { dataStore: 'rds' } },
  { name: 'Stage3-LoadBalanced dataStore=dynamodb', stage: 3, overrides: { dataStore: 'dynamodb' } },
];

/** Configuration changes a user makes to a stage that is already serving. None may replace its data. */
const LIVE_CHANGES: Overrides[] = [
  { instanceType: 'm7i.large' },
  { databaseInstanceType: 'db.r7g.large' },
  { databaseStorageGiB: '200' },
  { backupRetentionDays: '30' },
  { deletionProtection: 'false' },
  { webTier: 'ecs' },
  { https: 'false' },
  { natGateways: '1' },
  { minCapacity: '4', maxCapacity: '20', desiredCapacity: '6' },
  { cpuTargetPercent: '40', requestsPerTarget: '1000' },
  { weight: '0' },
  { recordName: 'www' },
  { taskCpu: '1024', taskMemoryMiB: '2048' },
];

const identityOf = (stage: StageNumber, overrides: Overrides) => dataIdentity(templateOf(stage, overrides).toJSON() as any, stage === 1);

describe.each(STAGES_WITH_DATA.map((s) => [s.name, s] as const))('%s', (name, { stage, overrides }) => {
  test('the code does not replace its data resources (identity pinned in test/data-resources.json)', () => {
    expect(identityOf(stage, overrides)).toEqual(PINNED[name]);
  });

  test.each(LIVE_CHANGES.map((change) => [JSON.stringify(change), change] as const))('changing %s on a live stack does not replace them', (_change, change) => {
    expect(identityOf(stage, { ...overrides, ...change })).toEqual(identityOf(stage, overrides));
  });
});

test('moving stage 1 between x86 and Graviton replaces its instance, and the test above would say so', () => {
  // An x86 root volume cannot boot on Graviton: a new image, so a new instance. The README says to
  // dump the database first; this test keeps the fact visible.
  expect(identityOf(1, { instanceType: 't4g.small' })).not.toEqual(identityOf(1, {}));
  expect(identityOf(1, { instanceType: 'm7i.large' })).toEqual(identityOf(1, {}));
});
