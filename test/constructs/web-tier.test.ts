/** The horizontally scaled web tiers (lib/constructs/web-tier.ts), on a bare stack behind a load balancer. */
import { fixtureTemplate } from '../support/synth-cache';
import { idOf, ingressRules, only, resources } from '../support/template';

const privateRoutes = (template: ReturnType<typeof fixtureTemplate>) =>
  resources(template, 'AWS::EC2::Route')
    .filter(([id]) => id.includes('PrivateSubnet'))
    .map(([id]) => id);

describe('AutoScalingWebTier (webTier=ec2)', () => {
  const template = fixtureTemplate('web-tier/auto-scaling');
  const [groupId, group] = only(template, 'AWS::AutoScaling::AutoScalingGroup');
  const [, launch] = only(template, 'AWS::EC2::LaunchTemplate');

  test('the load balancer health check replaces unhealthy instances, after a grace period', () => {
    expect(group.Properties).toMatchObject({ HealthCheckType: 'ELB', HealthCheckGracePeriod: 300, MinSize: '2', MaxSize: '6' });
  });

  test('a changed launch template replaces instances one at a time, each proving it serves first', () => {
    expect(group.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({
      MaxBatchSize: 1,
      MinInstancesInService: 2,
      WaitOnResourceSignals: true,
      PauseTime: 'PT15M',
    });
    expect(group.CreationPolicy).toEqual({ ResourceSignal: { Count: 2, Timeout: 'PT15M' } });
    expect(JSON.stringify(launch.Properties.LaunchTemplateData.UserData)).toContain(`--resource ${groupId} `);
  });

  test('instances boot only once the private subnets route to the internet through NAT', () => {
    expect(privateRoutes(template)).toHaveLength(2);
    expect(group.DependsOn).toEqual(expect.arrayContaining(privateRoutes(template)));
  });

  test('instances get the same hardening as every web host', () => {
    expect(launch.Properties.LaunchTemplateData).toMatchObject({
      InstanceType: 't3.small',
      MetadataOptions: { HttpTokens: 'required' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3' } }],
      Monitoring: { Enabled: true },
    });
    expect(launch.Properties.LaunchTemplateData.KeyName).toBeUndefined();
    expect(launch.Properties.LaunchTemplateData.NetworkInterfaces).toBeUndefined();
  });

  test('snapshot', () => expect(template).toMatchSnapshot());
});

describe('FargateWebTier (webTier=ecs)', () => {
  const template = fixtureTemplate('web-tier/fargate');
  const [, service] = only(template, 'AWS::ECS::Service');
  const [, task] = only(template, 'AWS::ECS::TaskDefinition');
  const [container] = task.Properties.ContainerDefinitions;

  test('starts new tasks before stopping old ones, and rolls back a deployment that never gets healthy', () => {
    expect(service.Properties).toMatchObject({
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      DeploymentConfiguration: {
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
      HealthCheckGracePeriodSeconds: 60,
    });
  });

  test('tasks start only once the private subnets route to the internet through NAT', () => {
    expect(service.DependsOn).toEqual(expect.arrayContaining(privateRoutes(template)));
  });

  test("the image is built for the task's architecture: one setting drives both", () => {
    expect(task.Properties.RuntimePlatform).toEqual({ CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' });
    const arm = fixtureTemplate('web-tier/fargate-arm64');
    expect(only(arm, 'AWS::ECS::TaskDefinition')[1].Properties.RuntimePlatform).toEqual({
      CpuArchitecture: 'ARM64',
      OperatingSystemFamily: 'LINUX',
    });
    // The image asset's platform is in the stack's asset manifest; its tag here is the asset hash,
    // which includes the platform: the two architectures build two images.
    const tag = (t: ReturnType<typeof fixtureTemplate>) =>
      JSON.stringify(only(t, 'AWS::ECS::TaskDefinition')[1].Properties.ContainerDefinitions[0].Image).match(/:([0-9a-f]{64})/)![1];
    expect(tag(arm)).not.toBe(tag(template));
  });

  test('the container logs to CloudWatch, listens on 8080 and learns where its data lives, never a password', () => {
    expect(container.LogConfiguration.LogDriver).toBe('awslogs');
    expect(container.PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
    expect(container.Environment.map((e: { Name: string }) => e.Name).sort()).toEqual([
      'AWS_REGION',
      'DATA_STORE',
      'PORT',
      'STAGE',
      'TABLE_NAME',
      'VERSION',
    ]);
    expect(JSON.stringify(task)).not.toMatch(/password|resolve:secretsmanager/i);
  });

  test('it admits only the load balancer, on the container port', () => {
    const group = idOf(service.Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0]);
    expect(ingressRules(template).filter((r) => r.group === group)).toEqual([
      { group, from: expect.stringMatching(/^LoadBalancerSecurityGroup/), fromPort: 8080, toPort: 8080 },
    ]);
  });

  test('Container Insights is on for the cluster', () => {
    expect(only(template, 'AWS::ECS::Cluster')[1].Properties.ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'enabled' }]);
  });

  test('capacity follows the props', () => {
    const arm = fixtureTemplate('web-tier/fargate-arm64');
    expect(only(arm, 'AWS::ApplicationAutoScaling::ScalableTarget')[1].Properties).toMatchObject({ MinCapacity: 3, MaxCapacity: 9 });
    expect(only(arm, 'AWS::ECS::Service')[1].Properties.DesiredCount).toBe(4);
  });

  test('snapshot', () => expect(template).toMatchSnapshot());
});
