/** Preflight's data checks (lib/preflight/data.ts): the snapshot stage 4 restores and the table a stage adopts. */
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeDBSnapshotAttributesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { dataChecks } from '../../lib/preflight/data';
import type { Overrides } from '../../lib/synth';

const rds = mockClient(RDSClient);
const dynamodb = mockClient(DynamoDBClient);
const clock = { now: () => 0, sleep: async () => undefined };
const SNAPSHOT = 'arn:aws:rds:us-east-1:210987654321:snapshot:stage3-final';
const SHARED = 'arn:aws:rds:us-east-1:999999999999:snapshot:stage3-final';

const run = (overrides: Overrides) =>
  dataChecks(loadConfig({ ...cdkJsonContext(), account: '210987654321', ...overrides }), {
    rds: new RDSClient({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    clock,
  });

const snapshot = (fields: object = {}) =>
  rds.on(DescribeDBSnapshotsCommand).resolves({
    DBSnapshots: [
      {
        Status: 'available',
        Engine: 'postgres',
        EngineVersion: '17.9',
        Encrypted: true,
        KmsKeyId: 'arn:aws:kms:us-east-1:210987654321:key/abc',
        ...fields,
      },
    ],
  });

beforeEach(() => {
  rds.reset();
  dynamodb.reset();
});

describe('databaseSnapshot', () => {
  test('GIVEN an available PostgreSQL 17 snapshot of the account WHEN checked THEN it passes, naming the key the deploying role must use', async () => {
    snapshot();
    expect(await run({ databaseSnapshot: SNAPSHOT })).toEqual({
      problems: [],
      passed: [
        `databaseSnapshot ${SNAPSHOT} is an available postgres 17.9 snapshot, encrypted with arn:aws:kms:us-east-1:210987654321:key/abc: the deploying role must be able to use that key`,
      ],
    });
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)[0].args[0].input).toEqual({ DBSnapshotIdentifier: SNAPSHOT, IncludeShared: true });
  });

  test('GIVEN no such snapshot WHEN checked THEN it says how to take one', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(Object.assign(new Error('not found'), { name: 'DBSnapshotNotFoundFault' }));
    expect((await run({ databaseSnapshot: SNAPSHOT })).problems).toEqual([
      `databaseSnapshot ${SNAPSHOT} does not exist: take one of stage 2's or 3's database (aws rds create-db-snapshot), or name an existing one (aws rds describe-db-snapshots)`,
    ]);
  });

  test('GIVEN a snapshot still being taken, of a newer PostgreSQL WHEN checked THEN both are problems', async () => {
    snapshot({ Status: 'creating', EngineVersion: '18.1' });
    expect((await run({ databaseSnapshot: SNAPSHOT })).problems).toEqual([
      `databaseSnapshot ${SNAPSHOT} is creating, not available yet: wait for it (aws rds wait db-snapshot-available), then deploy`,
      `databaseSnapshot ${SNAPSHOT} is of postgres 18.1; stage 4's cluster runs Aurora PostgreSQL 17 and restores PostgreSQL 17 or older`,
    ]);
  });

  test("GIVEN another account's snapshot not shared with this one WHEN checked THEN it says how to share it", async () => {
    snapshot();
    rds.on(DescribeDBSnapshotAttributesCommand).resolves({
      DBSnapshotAttributesResult: { DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: ['111111111111'] }] },
    });
    expect((await run({ databaseSnapshot: SHARED })).problems).toEqual([
      `databaseSnapshot ${SHARED} belongs to account 999999999999, which has not shared it with 210987654321: aws rds modify-db-snapshot-attribute --attribute-name restore --values-to-add 210987654321`,
    ]);
  });

  test('GIVEN no stage 4 among the stages WHEN checked THEN the snapshot is not asked for', async () => {
    expect(await run({ databaseSnapshot: SNAPSHOT, stages: '1,2,3' })).toEqual({ problems: [], passed: [] });
    expect(rds.calls()).toHaveLength(0);
  });
});

describe('existingTable', () => {
  const table = (fields: object = {}) =>
    dynamodb.on(DescribeTableCommand).resolves({
      Table: {
        TableStatus: 'ACTIVE',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        ...fields,
      },
    });
  const recovery = (status: 'ENABLED' | 'DISABLED') =>
    dynamodb.on(DescribeContinuousBackupsCommand).resolves({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: status },
      },
    });

  test('GIVEN the table an earlier stage kept WHEN checked THEN it passes', async () => {
    table();
    recovery('ENABLED');
    expect(await run({ dataStore: 'dynamodb', existingTable: 'kept' })).toEqual({
      problems: [],
      passed: ['existingTable kept is active, keyed by "id", with point-in-time recovery'],
    });
  });

  test('GIVEN a table keyed otherwise, without point-in-time recovery WHEN checked THEN both are problems, with the fix', async () => {
    table({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    });
    recovery('DISABLED');
    expect((await run({ dataStore: 'dynamodb', existingTable: 'other' })).problems).toEqual([
      'existingTable other is keyed by pk (HASH), sk (RANGE); the service stores items under a string partition key "id" and no sort key',
      'existingTable other has no point-in-time recovery, and the stage does not own the table to turn it on: aws dynamodb update-continuous-backups --table-name other --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true',
    ]);
  });

  test('GIVEN no such table WHEN checked THEN it says so', async () => {
    dynamodb.on(DescribeTableCommand).rejects(Object.assign(new Error('no'), { name: 'ResourceNotFoundException' }));
    expect((await run({ dataStore: 'dynamodb', existingTable: 'gone' })).problems).toEqual([
      'existingTable gone does not exist in 210987654321/us-east-1: name the table an earlier stage kept (aws dynamodb list-tables), or leave existingTable unset so the stage creates one',
    ]);
  });
});
