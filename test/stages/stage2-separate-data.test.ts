import { templateOf } from '../support/synth-cache';
import { idOf, ingressRules, only, resources, statementsOf, subnetTier, userDataText } from '../support/template';
import { RELATIONAL_ALTERED, TABLE_ALTERED } from '../support/variants';

const webRoleOf = (template: ReturnType<typeof templateOf>) =>
  only(template, 'AWS::IAM::InstanceProfile')[1].Properties.Roles[0].Ref as string;

describe('Stage 2 — separate data tier', () => {
  describe.each(['rds', 'dynamodb'])('with dataStore=%s', (dataStore) => {
    const template = templateOf(2, { dataStore });
    const [instanceId, instance] = only(template, 'AWS::EC2::Instance');

    test('still has exactly one web server with an Elastic IP and a weighted record to it', () => {
      expect(subnetTier(template, instance.Properties.SubnetId)).toBe('Public');
      const [eipId, eip] = only(template, 'AWS::EC2::EIP');
      expect(eip.Properties.InstanceId).toEqual({ Ref: instanceId });
      expect(only(template, 'AWS::Route53::RecordSet')[1].Properties).toMatchObject({
        Name: 'api.example.com.',
        ResourceRecords: [{ Ref: eipId }],
        SetIdentifier: 'Stage2-SeparateData',
        Weight: 100,
      });
    });

    test('the web server holds no data, so it is replaceable: no termination protection, no retention', () => {
      expect([instance.Properties.DisableApiTermination, instance.DeletionPolicy]).toEqual([false, undefined]);
    });

    test('no database or cache runs on the web server', () => {
      const script = userDataText(instance.Properties.UserData);
      expect(script).toContain('ZTM_LOCAL_DATA=false');
      expect(script).toContain(`DATA_STORE=${dataStore}`);
    });

    test('must not contain: a load balancer, an Auto Scaling group, a Fargate service or NAT gateways', () => {
      for (const type of [
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'AWS::AutoScaling::AutoScalingGroup',
        'AWS::ECS::Service',
        'AWS::EC2::NatGateway',
      ]) {
        expect([type, resources(template, type)]).toEqual([type, []]);
      }
    });
  });

  describe('with the default data store, RDS PostgreSQL', () => {
    const template = templateOf(2);
    const [databaseId, database] = only(template, 'AWS::RDS::DBInstance');

    test('is PostgreSQL of the configured class and storage, in one zone', () => {
      expect(database.Properties).toMatchObject({
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.micro',
        AllocatedStorage: '20',
        MultiAZ: false,
      });
      const custom = only(templateOf(2, RELATIONAL_ALTERED), 'AWS::RDS::DBInstance')[1];
      expect(custom.Properties).toMatchObject({
        DBInstanceClass: 'db.r7g.large',
        AllocatedStorage: '100',
        BackupRetentionPeriod: 35,
        DeletionProtection: false,
      });
    });

    test('admits only the web server security group, only on the database port', () => {
      const databaseGroup = idOf(database.Properties.VPCSecurityGroups[0]);
      const webGroup = idOf(instance(template).Properties.SecurityGroupIds[0]);
      expect(ingressRules(template).filter((r) => r.group === databaseGroup)).toEqual([
        { group: databaseGroup, from: webGroup, fromPort: 5432, toPort: 5432 },
      ]);
    });

    test('the web server learns where the database is and the secret ARN, never a password', () => {
      const script = userDataText(instance(template).Properties.UserData);
      expect(script).toContain(`DB_HOST=\${${databaseId}.Endpoint.Address}`);
      expect(script).toContain('DB_PORT=5432');
      expect(script).toContain('DB_SECRET_ARN=${');
      expect(script).not.toMatch(/password|resolve:secretsmanager/i);
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
    const [tableId] = only(template, 'AWS::DynamoDB::Table');

    test('deletion protection follows the configuration', () => {
      expect(only(templateOf(2, TABLE_ALTERED), 'AWS::DynamoDB::Table')[1].Properties.DeletionProtectionEnabled).toBe(false);
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
    });

    test('the web server learns the table name, and nothing about a database', () => {
      const script = userDataText(instance(template).Properties.UserData);
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

function instance(template: ReturnType<typeof templateOf>) {
  return only(template, 'AWS::EC2::Instance')[1];
}
