/**
 * The identity of the resources that hold data: what CloudFormation looks at when it decides to
 * replace one. A replaced database, table or (in stage 1) instance starts empty, so a change of
 * identity is a data-loss event that must be seen, not slipped in.
 */
import type { CfnTemplate } from '../template';

/**
 * Per resource type, the properties whose change makes CloudFormation replace the resource (from
 * the CloudFormation resource reference, "Update requires: Replacement").
 */
export const REPLACED_WHEN_CHANGED: Record<string, readonly string[]> = {
  'AWS::RDS::DBInstance': [
    'DBName',
    'DBInstanceIdentifier',
    'Engine',
    'MasterUsername',
    'StorageEncrypted',
    'KmsKeyId',
    'AvailabilityZone',
    'CharacterSetName',
    'Timezone',
    'DBClusterIdentifier',
    'SourceDBInstanceIdentifier',
  ],
  'AWS::RDS::DBCluster': [
    'DBClusterIdentifier',
    'DatabaseName',
    'Engine',
    'EngineMode',
    'MasterUsername',
    'StorageEncrypted',
    'KmsKeyId',
    'AvailabilityZones',
    'SnapshotIdentifier',
    'SourceDBClusterIdentifier',
    'RestoreType',
    'SourceRegion',
    'DBSubnetGroupName',
  ],
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema', 'LocalSecondaryIndexes'],
  'AWS::EC2::Instance': ['ImageId', 'AvailabilityZone', 'SubnetId', 'LaunchTemplate', 'KeyName', 'PrivateIpAddress', 'HostId', 'Tenancy'],
};

/** Resources that hold data in a stage: databases, Aurora clusters, tables, and stage 1's instance (its disk holds the database). */
export function dataIdentity(template: CfnTemplate, stageHoldsDataOnInstance: boolean): Record<string, unknown> {
  const identity: Record<string, unknown> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    const replacing = REPLACED_WHEN_CHANGED[resource.Type];
    if (!replacing || (resource.Type === 'AWS::EC2::Instance' && !stageHoldsDataOnInstance)) continue;
    // An instance of an Aurora cluster is compute over the cluster's storage: replacing it loses nothing.
    if (resource.Type === 'AWS::RDS::DBInstance' && resource.Properties?.DBClusterIdentifier) continue;
    const launchTemplate = resource.Properties?.LaunchTemplate?.LaunchTemplateId?.Ref;
    identity[id] = {
      Type: resource.Type,
      ...Object.fromEntries(replacing.filter((p) => resource.Properties?.[p] !== undefined).map((p) => [p, resource.Properties[p]])),
      // A new version of the launch template an instance uses replaces the instance.
      ...(launchTemplate ? { LaunchTemplateData: template.Resources[launchTemplate].Properties.LaunchTemplateData } : {}),
    };
  }
  return identity;
}
