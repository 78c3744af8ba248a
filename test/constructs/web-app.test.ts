/** How the service is delivered (lib/constructs/web-app.ts): one S3 asset per stack, a container image for Fargate. */
import { fixtureTemplate, stageOf, templateOf } from '../support/synth-cache';
import { idOf, only, resources, statementsOf } from '../support/template';
import { FARGATE_DYNAMODB } from '../support/variants';

test('hosts may read the bundle object and nothing else in the assets bucket', () => {
  for (const template of [templateOf(1), templateOf(3)]) {
    // The web host's profile; the NAT instances of stage 3 have their own, which the bundle is not granted to.
    const [, profile] = resources(template, 'AWS::IAM::InstanceProfile').find(([id]) => !id.includes('NatInstance'))!;
    const role = profile.Properties.Roles[0].Ref;
    const s3 = statementsOf(template, role).filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(s3).toEqual([{ Action: 's3:GetObject', Effect: 'Allow', Resource: expect.anything() }]);
    expect(JSON.stringify(s3[0].Resource)).toMatch(/:s3:::cdk-hnb659fds-assets-123456789012-us-east-1\/[0-9a-f]{64}\.js"/);
  }
});

test('a Fargate task runs an image asset built by cdk deploy from the bundle directory; synth needs no Docker', () => {
  const images = stageOf(3, { webTier: 'ecs' }).dockerImages;
  expect(images).toEqual([{ directory: expect.any(String), files: ['Dockerfile', 'server.js'] }]);
  const [, task] = only(templateOf(3, { webTier: 'ecs' }), 'AWS::ECS::TaskDefinition');
  expect(JSON.stringify(task.Properties.ContainerDefinitions[0].Image)).toMatch(
    /cdk-hnb659fds-container-assets-123456789012-us-east-1:[0-9a-f]{64}/,
  );
});

test('the task role may read the secret or the table, nothing more', () => {
  for (const dataStore of ['rds', 'dynamodb']) {
    const template = templateOf(3, dataStore === 'rds' ? { webTier: 'ecs' } : FARGATE_DYNAMODB);
    const [, task] = only(template, 'AWS::ECS::TaskDefinition');
    const actions = statementsOf(template, idOf(task.Properties.TaskRoleArn))
      .flatMap((s) => [s.Action].flat())
      .sort();
    expect([dataStore, actions]).toEqual([
      dataStore,
      dataStore === 'rds'
        ? ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']
        : [
            'dynamodb:ConditionCheckItem',
            'dynamodb:DeleteItem',
            'dynamodb:DescribeTable',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
          ],
    ]);
  }
});

test('a container learns the RDS CA bundle baked into the image, and its own port', () => {
  const [, task] = only(templateOf(3, { webTier: 'ecs' }), 'AWS::ECS::TaskDefinition');
  expect(task.Properties.ContainerDefinitions[0].Environment).toEqual(
    expect.arrayContaining([
      { Name: 'DB_CA_FILE', Value: '/etc/ssl/rds-global-bundle.pem' },
      { Name: 'PORT', Value: '8080' },
    ]),
  );
  expect(resources(fixtureTemplate('web-tier/fargate'), 'AWS::ECS::TaskDefinition')).toHaveLength(1);
});
