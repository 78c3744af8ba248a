/**
 * Preflight's data checks: what a stage takes its data from must exist and be usable before
 * `cdk deploy` asks CloudFormation for it, or the deployment fails half-way (or, for a snapshot,
 * after the long part).
 *
 * - `databaseSnapshot` (stage 4 with `rds`): the snapshot exists, is available, is of PostgreSQL no
 *   newer than the cluster's, and the account may restore it (it is the account's own, or shared
 *   with it); an encrypted snapshot's key is named, since the deploying role must be able to use it;
 * - `existingTable` (stages 2 and up with `dynamodb`): the table exists, is active, is keyed by `id`
 *   as the service expects, and has point-in-time recovery (the stage does not own its backups).
 */
import { DescribeContinuousBackupsCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { type Clock, retrying } from '../../lambda/shared/retry';
import type { Config } from '../config';
import { POSTGRES_VERSION, TABLE_PARTITION_KEY } from '../data-contract';
import type { CheckResult } from './result';

export interface DataDeps {
  readonly rds: Pick<RDSClient, 'send'>;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly clock: Clock;
}

const notFound = (error: unknown) =>
  ['DBSnapshotNotFoundFault', 'DBClusterSnapshotNotFoundFault', 'ResourceNotFoundException'].includes(
    (error as { name?: string }).name ?? '',
  );

export async function dataChecks(config: Config, deps: DataDeps): Promise<CheckResult> {
  const problems: string[] = [];
  const passed: string[] = [];
  const stages = config.stages;

  if (config.databaseSnapshot !== undefined && config.dataStore === 'rds' && stages.some((s) => s >= 4)) {
    const arn = config.databaseSnapshot;
    const cluster = arn.includes(':cluster-snapshot:');
    const snapshot = await retrying(async () => {
      try {
        if (cluster) {
          const found = await deps.rds.send(
            new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: arn, IncludeShared: true }),
          );
          const s = found.DBClusterSnapshots?.[0];
          return s && { status: s.Status, engine: s.Engine, version: s.EngineVersion, encrypted: s.StorageEncrypted, key: s.KmsKeyId };
        }
        const found = await deps.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: arn, IncludeShared: true }));
        const s = found.DBSnapshots?.[0];
        return s && { status: s.Status, engine: s.Engine, version: s.EngineVersion, encrypted: s.Encrypted, key: s.KmsKeyId };
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    }, deps.clock);
    const owner = arn.split(':')[4];
    if (!snapshot) {
      problems.push(
        `databaseSnapshot ${arn} does not exist${owner === config.account ? '' : `, or account ${owner} has not shared it with ${config.account}`}: take one of stage 2's or 3's database (aws rds create-db-snapshot), or name an existing one (aws rds describe-db-snapshots)`,
      );
    } else {
      const major = Number(String(snapshot.version).split('.')[0]);
      if (snapshot.status !== 'available')
        problems.push(
          `databaseSnapshot ${arn} is ${snapshot.status}, not available yet: wait for it (aws rds wait db-snapshot-available), then deploy`,
        );
      if (!['postgres', 'aurora-postgresql'].includes(String(snapshot.engine)) || !(major <= POSTGRES_VERSION.major)) {
        problems.push(
          `databaseSnapshot ${arn} is of ${snapshot.engine} ${snapshot.version}; stage 4's cluster runs Aurora PostgreSQL ${POSTGRES_VERSION.major} and restores PostgreSQL ${POSTGRES_VERSION.major} or older`,
        );
      }
      if (owner !== config.account && !cluster) {
        const attributes = await retrying(
          () => deps.rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: arn })),
          deps.clock,
        );
        const restorers =
          attributes.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
        if (!restorers.includes(config.account) && !restorers.includes('all')) {
          problems.push(
            `databaseSnapshot ${arn} belongs to account ${owner}, which has not shared it with ${config.account}: aws rds modify-db-snapshot-attribute --attribute-name restore --values-to-add ${config.account}`,
          );
        }
      }
      if (problems.length === 0) {
        passed.push(
          `databaseSnapshot ${arn} is an available ${snapshot.engine} ${snapshot.version} snapshot${snapshot.encrypted ? `, encrypted with ${snapshot.key}: the deploying role must be able to use that key` : ''}`,
        );
      }
    }
  }

  if (config.existingTable !== undefined && config.dataStore === 'dynamodb' && stages.some((s) => s >= 2)) {
    const name = config.existingTable;
    const table = await retrying(async () => {
      try {
        return (await deps.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    }, deps.clock);
    if (!table) {
      problems.push(
        `existingTable ${name} does not exist in ${config.account}/${config.region}: name the table an earlier stage kept (aws dynamodb list-tables), or leave existingTable unset so the stage creates one`,
      );
    } else {
      const key = table.KeySchema?.find((k) => k.KeyType === 'HASH');
      const keyType = table.AttributeDefinitions?.find((a) => a.AttributeName === key?.AttributeName)?.AttributeType;
      const before = problems.length;
      if (table.TableStatus !== 'ACTIVE')
        problems.push(`existingTable ${name} is ${table.TableStatus}, not ACTIVE: wait for it, then deploy`);
      if (key?.AttributeName !== TABLE_PARTITION_KEY || keyType !== 'S' || (table.KeySchema?.length ?? 0) !== 1) {
        problems.push(
          `existingTable ${name} is keyed by ${(table.KeySchema ?? []).map((k) => `${k.AttributeName} (${k.KeyType})`).join(', ')}; the service stores items under a string partition key "${TABLE_PARTITION_KEY}" and no sort key`,
        );
      }
      const backups = await retrying(() => deps.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name })), deps.clock);
      const recovery = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
      if (recovery !== 'ENABLED') {
        problems.push(
          `existingTable ${name} has no point-in-time recovery, and the stage does not own the table to turn it on: aws dynamodb update-continuous-backups --table-name ${name} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`,
        );
      }
      if (problems.length === before)
        passed.push(`existingTable ${name} is active, keyed by "${TABLE_PARTITION_KEY}", with point-in-time recovery`);
    }
  }
  return { problems, passed };
}
