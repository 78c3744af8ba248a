/** The data tiers of stages 2 and up (lib/constructs/data-tier.ts), on a bare stack. */
import { fixtureTemplate } from '../support/synth-cache';
import { only, resources, subnetTier } from '../support/template';

describe('RelationalDataTier: RDS PostgreSQL', () => {
  const template = fixtureTemplate('data-tier/relational');
  const [, database] = only(template, 'AWS::RDS::DBInstance');

  test('PostgreSQL of the given class and storage, encrypted, backed up, not publicly accessible, deletion-protected', () => {
    expect(database.Properties).toMatchObject({
      Engine: 'postgres',
      DBInstanceClass: 'db.r7g.large',
      AllocatedStorage: '100',
      StorageType: 'gp3',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      BackupRetentionPeriod: 14,
      DeletionProtection: true,
      MultiAZ: false,
    });
    expect(only(fixtureTemplate('data-tier/relational-unprotected'), 'AWS::RDS::DBInstance')[1].Properties.DeletionProtection).toBe(false);
  });

  test('keeps a final snapshot when the stack is deleted or the instance replaced', () => {
    expect([database.DeletionPolicy, database.UpdateReplacePolicy]).toEqual(['Snapshot', 'Snapshot']);
  });

  test('lives in isolated subnets with no route to the internet', () => {
    const [, subnetGroup] = only(template, 'AWS::RDS::DBSubnetGroup');
    expect(subnetGroup.Properties.SubnetIds.map((ref: { Ref: string }) => subnetTier(template, ref))).toEqual(['Isolated', 'Isolated']);
  });

  test('its master password is generated into Secrets Manager', () => {
    expect(only(template, 'AWS::SecretsManager::Secret')[1].Properties.GenerateSecretString).toMatchObject({
      GenerateStringKey: 'password',
      SecretStringTemplate: '{"username":"app_admin"}',
    });
  });

  test('snapshot', () => expect(template).toMatchSnapshot());
});

describe('NoSqlDataTier: DynamoDB', () => {
  const template = fixtureTemplate('data-tier/nosql');
  const [, table] = only(template, 'AWS::DynamoDB::Table');

  test('an on-demand table with point-in-time recovery and KMS encryption, kept when the stack is deleted', () => {
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    });
    expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  test('nothing else: no network, no secret', () => {
    expect(Object.values(template.Resources).map((r) => r.Type)).toEqual(['AWS::DynamoDB::Table']);
    expect(resources(template, 'AWS::SecretsManager::Secret')).toEqual([]);
  });
});
