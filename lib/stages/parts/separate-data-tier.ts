/** The data tier of stages 2 and 3, apart from the web tier. */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { type DataTier, NoSqlDataTier, RelationalDataTier } from '../../constructs/data-tier';
import type { StageStack } from '../stage-stack';

/** What `dataStore` asks for: one RDS PostgreSQL instance, or a DynamoDB table. */
export function separateDataTier(stack: StageStack, vpc: ec2.IVpc): DataTier {
  const c = stack.config;
  return c.dataStore === 'rds'
    ? new RelationalDataTier(stack, 'RelationalData', {
        vpc,
        instanceType: c.databaseInstanceType,
        storageGiB: c.databaseStorageGiB,
        backupRetentionDays: c.backupRetentionDays,
        deletionProtection: c.deletionProtection,
        poolSize: c.databasePoolSize,
      })
    : table(stack);
}

/** The DynamoDB table of `dataStore: dynamodb`, the same in every stage from 2 on. */
export function table(stack: StageStack): NoSqlDataTier {
  return new NoSqlDataTier(stack, 'NoSqlData', {
    deletionProtection: stack.config.deletionProtection,
    existingTableName: stack.config.existingTable,
  });
}
