/** The data tier from stage 4: replicated across zones. */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { DataTier } from '../../constructs/data-tier';
import { ReplicatedDataTier } from '../../constructs/replicated-data-tier';
import type { StageStack } from '../stage-stack';
import { table } from './separate-data-tier';

/**
 * What `dataStore` asks for: an Aurora PostgreSQL cluster with readers in other zones, or the same
 * DynamoDB table as before (DynamoDB replicates it across three zones).
 */
export function replicatedDataTier(stack: StageStack, vpc: ec2.IVpc): DataTier {
  const c = stack.config;
  return c.dataStore === 'rds'
    ? new ReplicatedDataTier(stack, 'ReplicatedData', {
        vpc,
        availabilityZones: c.availabilityZones,
        readReplicas: c.readReplicas,
        minCapacityAcu: c.databaseMinAcu,
        maxCapacityAcu: c.databaseMaxAcu,
        backupRetentionDays: c.backupRetentionDays,
        deletionProtection: c.deletionProtection,
        poolSize: c.databasePoolSize,
        snapshotArn: c.databaseSnapshot,
      })
    : table(stack);
}
