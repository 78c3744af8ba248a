import { Match } from 'aws-cdk-lib/assertions';
import { templateOf } from './support/app';
import { ingressRules, only, resources, statementsOf, subnetTier, userDataText } from './support/template';

const webRoleOf = (template: ReturnType<typeof templateOf>) =>
  only(template, 'AWS::IAM::InstanceProfile')[1].Properties.Roles[0].Ref as string;

describe('Stage 2 — separate data tier', () => {
  describe.each(['rds', 'dynamodb'])('with dataStore=%s', (dataStore) => {
    const template = templateOf(2, { dataStore });

    test('still has exactly one web server with an Elastic IP and a weighted record to it', () => {
      const [instanceId, instance] = only(template, 'AWS::EC2::Instance');
      expect(subnetTier(template, instance.Properties.SubnetId)).toBe('Public');
      const [eipId] = only(template, 'AWS::EC2::EIP');
      template.hasResourceProperties('AWS::EC2::EIP', { InstanceId: { Ref: instanceId } });
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'api.example.com.',
        ResourceRecords: [{ Ref: eipId }],
        SetIdentifier: 'Stage2-SeparateData',
        Weight: 100,
      });
    });

    test('the web server holds no data, so it is replaceable: no termination protection', () => {
      expect(only(template, 'AWS::EC2::Instance')[1].Properties.DisableApiTermination).toBe(false);
    });

    test('no database or cache runs on the web server', () => {
      const script = userDataText(only(template, 'AWS::EC2::Instance')[1].Properties.UserData);
      expect(script).not.toMatch(/postgresql\d*-server|redis/);
      expect(script).toContain(`DATA_STORE=${dataStore}`);
    });

    test('must not contain: a load balancer, an Auto Scaling group, a Fargate service or NAT gateways', () => {
      for (const type of ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::AutoScaling::AutoScalingGroup', 'AWS::ECS::Service', 'AWS::EC2::NatGateway']) {
        expect([type, resources(template, type)]).toEqual([type, []]);
      }
    });
  });

  describe('with the default data store, RDS PostgreSQL', () => {
    const template = templateOf(2);
    const [databaseId, database] = only(template, 'AWS::RDS::DBInstance');

    test('is PostgreSQL of the configured class, encrypted, backed up, not publicly accessible', () => {
      expect(database.Properties).toMatchObject({
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.micro',
        AllocatedStorage: '20',
        StorageType: 'gp3',
        StorageEncrypted: true,
        PubliclyAccessible: false,
        BackupRetentionPeriod: 7,
        DeletionProtection: true,
        MultiAZ: false,
      });
      const custom = only(templateOf(2, { databaseInstanceType: 'db.r7g.large', databaseStorageGiB: '100', backupRetentionDays: '35' }), 'AWS::RDS::DBInstance')[1];
      expect(custom.Properties).toMatchObject({ DBInstanceClass: 'db.r7g.large', AllocatedStorage: '100', BackupRetentionPeriod: 35 });
    });

    test('keeps a final snapshot when the stack is deleted or the instance replaced', () => {
      expect(database.DeletionPolicy).toBe('Snapshot');
      expect(database.UpdateReplacePolicy).toBe('Snapshot');
    });

    test('deletion protection follows the configuration', () => {
      expect(only(templateOf(2, { deletionProtection: false }), 'AWS::RDS::DBInstance')[1].Properties.DeletionProtection).toBe(false);
    });

    test('lives in isolated subnets with no route to the internet', () => {
      const [, subnetGroup] = only(template, 'AWS::RDS::DBSubnetGroup');
      expect(subnetGroup.Properties.SubnetIds.map((ref: { Ref: string }) => subnetTier(template, ref))).toEqual(['Isolated', 'Isolated']);
    });

    test('admits only the web server security group, only on the database port', () => {
      const databaseGroup = database.Properties.VPCSecurityGroups[0]['Fn::GetAtt'][0];
      const webGroup = only(template, 'AWS::EC2::Instance')[1].Properties.SecurityGroupIds[0]['Fn::GetAtt'][0];
      expect(ingressRules(template).filter((r) => r.group === databaseGroup)).toEqual([{ group: databaseGroup, from: webGroup, fromPort: 5432, toPort: 5432 }]);
    });

    test('credentials are generated into Secrets Manager; the web server gets the secret ARN, never a password', () => {
      const [secretId] = only(template, 'AWS::SecretsManager::Secret');
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password', SecretStringTemplate: '{"username":"app_admin"}' }),
      });
      const script = userDataText(only(template, 'AWS::EC2::Instance')[1].Properties.UserData);
      expect(script).toContain(`DB_HOST=\${${databaseId}.Endpoint.Address}`);
      expect(script).toContain('DB_PORT=5432');
      expect(script).toContain('DB_SECRET_ARN=${');
      expect(script).not.toMatch(/password|resolve:secretsmanager/i);
      expect(secretId).toBeDefined();
    });

    test('the web role may read that one secret and nothing else of the data tier', () => {
      const [secretId] = only(template, 'AWS::SecretsManager::Secret');
      const readsSecret = statementsOf(template, webRoleOf(template)).filter((s) => JSON.stringify(s.Action).includes('secretsmanager'));
      expect(readsSecret).toEqual([
        { Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Effect: 'Allow', Resource: { Ref: secretId } },
      ]);
    });

    test('must not contain a DynamoDB table', () => {
      expect(resources(template, 'AWS::DynamoDB::Table')).toEqual([]);
    });
  });

  describe('with dataStore=dynamodb', () => {
    const template = templateOf(2, { dataStore: 'dynamodb' });
    const [tableId, table] = only(template, 'AWS::DynamoDB::Table');

    test('is an on-demand table with point-in-time recovery and KMS encryption', () => {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true }, // KMS, with the AWS managed key aws/dynamodb
        DeletionProtectionEnabled: true,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      });
    });

    test('is kept when the stack is deleted, and deletion protection follows the configuration', () => {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(only(templateOf(2, { dataStore: 'dynamodb', deletionProtection: 'false' }), 'AWS::DynamoDB::Table')[1].Properties.DeletionProtectionEnabled).toBe(false);
    });

    test('the web role gets exactly the item calls the app makes, on this table only', () => {
      const dynamoStatements = statementsOf(template, webRoleOf(template)).filter((s) => JSON.stringify(s.Action).includes('dynamodb'));
      expect(dynamoStatements).toEqual([
        {
          Action: [
            'dynamodb:ConditionCheckItem',
            'dynamodb:DeleteItem',
            'dynamodb:DescribeTable',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
          ],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        },
      ]);
      expect(JSON.stringify(dynamoStatements)).not.toMatch(/Scan|\*/);
    });

    test('the web server learns the table name, and nothing about a database', () => {
      const script = userDataText(only(template, 'AWS::EC2::Instance')[1].Properties.UserData);
      expect(script).toContain(`TABLE_NAME=\${${tableId}}`);
      expect(script).not.toContain('DB_HOST');
    });

    test('must not contain: RDS, a secret, isolated subnets', () => {
      expect(resources(template, 'AWS::RDS::DBInstance')).toEqual([]);
      expect(resources(template, 'AWS::SecretsManager::Secret')).toEqual([]);
      expect(resources(template, 'AWS::EC2::Subnet').map(([id]) => subnetTier(template, { Ref: id }))).toEqual(['Public', 'Public']);
    });
  });
});
