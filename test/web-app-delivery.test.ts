/**
 * How the workload service reaches each stage: an S3 asset fetched at boot and run by systemd as an
 * unprivileged user on EC2 hosts, a container image asset on Fargate. Roles may read the asset, the
 * database secret or the table, and nothing more.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceBundle } from '../lib/constructs/web-app';
import { buildStacks, templateOf } from './support/app';
import { only, resources, statementsOf, userDataText } from './support/template';

const hostRoleOf = (template: ReturnType<typeof templateOf>) => only(template, 'AWS::IAM::InstanceProfile')[1].Properties.Roles[0].Ref as string;
const scriptOf = (template: ReturnType<typeof templateOf>) => {
  const [, instance] = resources(template, 'AWS::EC2::Instance')[0] ?? [];
  const [, launch] = resources(template, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScaling')) ?? [];
  return userDataText(instance?.Properties.UserData ?? launch?.Properties.LaunchTemplateData.UserData);
};

describe('the bundle', () => {
  test('is one file built by the local esbuild, beside a Dockerfile that runs it as an unprivileged user', () => {
    const { directory, version } = serviceBundle();
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    const server = readFileSync(join(directory, 'server.js'), 'utf8');
    expect(server).toContain('zero-to-millions');
    expect(server.length).toBeGreaterThan(100_000); // its dependencies are inside: the host needs only node
    const dockerfile = readFileSync(join(directory, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM public\.ecr\.aws\/docker\/library\/node:22-alpine$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "server\.js"\]$/m);
  });
});

describe.each([
  ['stage 1', 1, {}],
  ['stage 2 rds', 2, { dataStore: 'rds' }],
  ['stage 2 dynamodb', 2, { dataStore: 'dynamodb' }],
  ['stage 3 ec2 rds', 3, { dataStore: 'rds' }],
  ['stage 3 ec2 dynamodb', 3, { dataStore: 'dynamodb' }],
] as const)('%s: an EC2 host', (_name, stage, overrides: { dataStore?: string }) => {
  const template = templateOf(stage, overrides);
  const script = scriptOf(template);

  test('installs Node.js 22 from Amazon Linux 2023 and runs the service with that exact runtime', () => {
    expect(script).toContain('dnf install -y aws-cfn-bootstrap nodejs22');
  });

  test('fetches the bundle from its S3 asset and runs it under systemd as an unprivileged user that restarts on failure', () => {
    expect(script).toMatch(/aws s3 cp s3:\/\/cdk-hnb659fds-assets-123456789012-us-east-1\/[0-9a-f]{64}\.js \/opt\/zero-to-millions\/server\.js --region us-east-1/);
    expect(script).toContain('useradd --system --no-create-home --shell /sbin/nologin ztm');
    for (const line of ['User=ztm', 'ExecStart=/usr/bin/node-22 /opt/zero-to-millions/server.js', 'Restart=on-failure', 'KillSignal=SIGTERM', 'TimeoutStopSec=30', 'AmbientCapabilities=CAP_NET_BIND_SERVICE', 'NoNewPrivileges=true', 'ProtectSystem=strict']) {
      expect(script).toContain(`\n${line}\n`);
    }
    expect(script).toMatch(/curl -sf -o \/dev\/null --retry 30 .* http:\/\/127\.0\.0\.1:80\/healthz$/m);
  });

  test('its role may read the bundle object, and the secret or the table — nothing more', () => {
    const statements = statementsOf(template, hostRoleOf(template));
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    const expected = [
      'cloudformation:SignalResource',
      's3:GetObject',
      ...(stage === 1 ? [] : overrides.dataStore === 'dynamodb'
        ? ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']
        : ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']),
    ].sort();
    expect(actions).toEqual(expected);
    const s3 = statements.find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(s3.Resource)).toMatch(/:s3:::cdk-hnb659fds-assets-123456789012-us-east-1\/[0-9a-f]{64}\.js"/);
    expect(JSON.stringify(statements)).not.toContain('*"');
  });

  if (overrides.dataStore === 'rds') {
    test('verifies the database certificate: the RDS CA bundle is fetched and named to the service', () => {
      expect(script).toContain('curl -sf --retry 5 -o /etc/zero-to-millions/rds-ca.pem https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem');
      expect(script).toContain('DB_CA_FILE=/etc/zero-to-millions/rds-ca.pem');
    });
  }
});

describe('stage 3 ecs: a Fargate task', () => {
  test('runs a container image asset built from the bundle directory; the assembly carries it, no image is built at synth', () => {
    const { app } = buildStacks({ stages: '3', webTier: 'ecs' });
    const assembly = app.synth();
    const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Stage3-LoadBalanced.assets.json'), 'utf8'));
    const images = Object.values(manifest.dockerImages) as { source: { directory: string } }[];
    expect(images).toHaveLength(1);
    expect(existsSync(join(assembly.directory, images[0].source.directory, 'Dockerfile'))).toBe(true);
    expect(existsSync(join(assembly.directory, images[0].source.directory, 'server.js'))).toBe(true);
  });

  test('its task role may read the secret or the table — nothing more', () => {
    for (const dataStore of ['rds', 'dynamodb']) {
      const template = templateOf(3, { webTier: 'ecs', dataStore });
      const [, task] = only(template, 'AWS::ECS::TaskDefinition');
      const actions = statementsOf(template, task.Properties.TaskRoleArn['Fn::GetAtt'][0]).flatMap((s) => [s.Action].flat()).sort();
      expect([dataStore, actions]).toEqual([
        dataStore,
        dataStore === 'rds'
          ? ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']
          : ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ]);
    }
  });
});
