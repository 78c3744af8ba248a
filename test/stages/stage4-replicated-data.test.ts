import { templateOf } from '../support/synth-cache';
import { type CfnTemplate, idOf, ingressRules, only, resources, statementsOf, subnetTier, userDataText } from '../support/template';
import { ADOPTED_TABLE, REPLICATED_ALTERED } from '../support/variants';
import { describeLoadBalancedFront, webTierOf } from './load-balanced-front';

/** The cluster's instances: the writer first (promotion tier 0), then the readers. */
const instancesOf = (template: CfnTemplate) =>
  resources(template, 'AWS::RDS::DBInstance').sort(([, a], [, b]) => a.Properties.PromotionTier - b.Properties.PromotionTier);

describe('Stage 4 — replicated database', () => {
  describeLoadBalancedFront(4);

  describe('with dataStore=rds (the default): an Aurora PostgreSQL cluster', () => {
    describe.each(['ec2', 'ecs'])('with webTier=%s', (webTier) => {
      const template = templateOf(4, { webTier });
      const [clusterId, cluster] = only(template, 'AWS::RDS::DBCluster');
      const web = webTierOf(template);

      test('Aurora PostgreSQL 17, Serverless v2 from 0.5 to 4 ACU, encrypted, IAM authentication on, backed up, deletion-protected', () => {
        expect(cluster.Properties).toMatchObject({
          Engine: 'aurora-postgresql',
          EngineVersion: '17.9',
          ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
          StorageEncrypted: true,
          EnableIAMDatabaseAuthentication: true,
          BackupRetentionPeriod: 7,
          DeletionProtection: true,
          DatabaseName: 'app',
        });
        expect([cluster.DeletionPolicy, cluster.UpdateReplacePolicy]).toEqual(['Snapshot', 'Snapshot']);
      });

      test("a writer and one reader, in different zones; the reader is a failover target that keeps the writer's capacity", () => {
        const [[, writer], [, reader], ...more] = instancesOf(template);
        expect(more).toEqual([]);
        expect([writer.Properties.AvailabilityZone, reader.Properties.AvailabilityZone]).toEqual(['us-east-1a', 'us-east-1b']);
        expect([writer.Properties.PromotionTier, reader.Properties.PromotionTier]).toEqual([0, 1]);
        for (const [, instance] of [
          [0, writer],
          [1, reader],
        ] as const) {
          expect(instance.Properties).toMatchObject({
            DBInstanceClass: 'db.serverless',
            PubliclyAccessible: false,
            DBClusterIdentifier: { Ref: clusterId },
          });
        }
      });

      test('in isolated subnets, admitting only the web tier, on 5432', () => {
        const [, subnetGroup] = only(template, 'AWS::RDS::DBSubnetGroup');
        expect(subnetGroup.Properties.SubnetIds.map((ref: { Ref: string }) => subnetTier(template, ref))).toEqual(['Isolated', 'Isolated']);
        const clusterGroup = idOf(cluster.Properties.VpcSecurityGroupIds[0]);
        expect(
          ingressRules(template)
            .filter((r) => r.group === clusterGroup)
            .map((r) => [r.from, r.fromPort, r.toPort]),
        ).toEqual([[web.group, 5432, 5432]]);
      });

      test('the web tier writes through the cluster endpoint and reads through the reader endpoint; it learns no password', () => {
        const environment =
          webTier === 'ec2'
            ? userDataText(
                resources(template, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScaling'))![1].Properties
                  .LaunchTemplateData.UserData,
              )
            : JSON.stringify(only(template, 'AWS::ECS::TaskDefinition')[1].Properties.ContainerDefinitions[0].Environment);
        expect(environment).toContain(
          webTier === 'ec2' ? `DB_HOST=\${${clusterId}.Endpoint.Address}` : `"Fn::GetAtt":["${clusterId}","Endpoint.Address"]`,
        );
        expect(environment).toContain(
          webTier === 'ec2'
            ? `DB_READER_HOST=\${${clusterId}.ReadEndpoint.Address}`
            : `"Fn::GetAtt":["${clusterId}","ReadEndpoint.Address"]`,
        );
        expect(environment).toMatch(/DB_POOL_SIZE(=|","Value":")10/);
        expect(environment).not.toMatch(/password|resolve:secretsmanager/i);
      });

      test('RDS manages the master password (generated, rotated, in Secrets Manager); the web tier alone may read it', () => {
        expect(cluster.Properties).toMatchObject({ ManageMasterUserPassword: true, MasterUsername: 'app_admin' });
        expect(cluster.Properties.MasterUserPassword).toBeUndefined();
        // No secret, rotation function or rotation schedule of the stack's own: RDS rotates its secret itself.
        for (const type of ['AWS::SecretsManager::Secret', 'AWS::SecretsManager::RotationSchedule', 'AWS::Serverless::Application'])
          expect(resources(template, type)).toEqual([]);
        const readers = statementsOf(template, web.roleLogicalId).filter((s) => JSON.stringify(s.Action).includes('secretsmanager'));
        expect(readers).toEqual([
          {
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [clusterId, 'MasterUserSecret.SecretArn'] },
          },
        ]);
      });

      test('must not contain a single-instance database', () => {
        expect(resources(template, 'AWS::RDS::DBInstance').filter(([, r]) => !r.Properties.DBClusterIdentifier)).toEqual([]);
      });
    });

    describe('with its options', () => {
      const template = templateOf(4, REPLICATED_ALTERED);

      test("readers spread over the zones other than the writer's", () => {
        const zones = instancesOf(template).map(([, r]) => r.Properties.AvailabilityZone);
        expect(zones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1b']);
      });

      test('created from the named snapshot, under its master user, with a new password RDS manages (CloudFormation would not apply one it passed)', () => {
        const [, cluster] = only(template, 'AWS::RDS::DBCluster');
        expect(cluster.Properties).toMatchObject({
          SnapshotIdentifier: 'arn:aws:rds:us-east-1:123456789012:snapshot:stage3-final',
          ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 8 },
          DeletionProtection: false,
        });
        expect(cluster.Properties.DatabaseName).toBeUndefined(); // the snapshot's databases
        expect(cluster.Properties.MasterUsername).toBeUndefined(); // the snapshot's user
        expect(cluster.Properties.ManageMasterUserPassword).toBe(true);
        expect(cluster.Properties.MasterUserPassword).toBeUndefined();
      });
    });
  });

  describe('with dataStore=dynamodb: DynamoDB already replicates every table across three zones', () => {
    test('the same on-demand table as before: nothing to change, no cluster', () => {
      const template = templateOf(4, { dataStore: 'dynamodb' });
      expect(only(template, 'AWS::DynamoDB::Table')[1].Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
      expect(resources(template, 'AWS::RDS::DBCluster')).toEqual([]);
      expect(
        resources(template, 'AWS::EC2::Subnet')
          .map(([id]) => subnetTier(template, { Ref: id }))
          .filter((t) => t === 'Isolated'),
      ).toEqual([]);
    });

    test("adopting the table an earlier stage kept: the stage creates none, and grants only that table's item calls", () => {
      const template = templateOf(4, ADOPTED_TABLE);
      expect(resources(template, 'AWS::DynamoDB::Table')).toEqual([]);
      const grants = statementsOf(template, webTierOf(template).roleLogicalId).filter((s) => JSON.stringify(s.Action).includes('dynamodb'));
      expect(JSON.stringify(grants[0].Resource)).toContain(':table/Stage3-LoadBalanced-NoSqlDataTable-1A2B3C4D5E6F');
      expect(
        userDataText(
          resources(template, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScaling'))![1].Properties.LaunchTemplateData
            .UserData,
        ),
      ).toContain('TABLE_NAME=Stage3-LoadBalanced-NoSqlDataTable-1A2B3C4D5E6F');
    });
  });
});
