import { Match } from 'aws-cdk-lib/assertions';
import { templateOf } from './support/app';
import { ingressRules, only, resources, statementsOf, subnetTier } from './support/template';

type Template = ReturnType<typeof templateOf>;

/** The security group and subnets of the web tier, whichever kind it is. */
function webTierOf(template: Template): { group: string; subnets: { Ref: string }[]; roleLogicalId: string } {
  const groups = resources(template, 'AWS::AutoScaling::AutoScalingGroup');
  if (groups.length > 0) {
    const [, launchTemplate] = only(template, 'AWS::EC2::LaunchTemplate');
    const [, profile] = only(template, 'AWS::IAM::InstanceProfile');
    return {
      group: launchTemplate.Properties.LaunchTemplateData.SecurityGroupIds[0]['Fn::GetAtt'][0],
      subnets: groups[0][1].Properties.VPCZoneIdentifier,
      roleLogicalId: profile.Properties.Roles[0].Ref,
    };
  }
  const [, service] = only(template, 'AWS::ECS::Service');
  const [, task] = only(template, 'AWS::ECS::TaskDefinition');
  const network = service.Properties.NetworkConfiguration.AwsvpcConfiguration;
  return { group: network.SecurityGroups[0]['Fn::GetAtt'][0], subnets: network.Subnets, roleLogicalId: task.Properties.TaskRoleArn['Fn::GetAtt'][0] };
}

describe('Stage 3 — load balancer and horizontal scaling', () => {
  describe.each(['ec2', 'ecs'])('with webTier=%s', (webTier) => {
    const template = templateOf(3, { webTier });
    const [loadBalancerId, loadBalancer] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const loadBalancerGroup = loadBalancer.Properties.SecurityGroups[0]['Fn::GetAtt'][0];

    test('an internet-facing load balancer spans the public subnets of two zones', () => {
      expect(loadBalancer.Properties.Scheme).toBe('internet-facing');
      expect(loadBalancer.Properties.Subnets.map((ref: { Ref: string }) => subnetTier(template, ref))).toEqual(['Public', 'Public']);
    });

    test('the load balancer drops invalid headers and writes access logs to an encrypted, private, TLS-only bucket', () => {
      expect(loadBalancer.Properties.LoadBalancerAttributes).toEqual(
        expect.arrayContaining([
          { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
          { Key: 'access_logs.s3.enabled', Value: 'true' },
        ]),
      );
      const [bucketId, bucket] = only(template, 'AWS::S3::Bucket');
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });

    test('the web tier runs in private subnets of two zones, with no public address', () => {
      expect(webTierOf(template).subnets.map((ref) => subnetTier(template, ref))).toEqual(['Private', 'Private']);
      expect(resources(template, 'AWS::EC2::Instance')).toEqual([]);
      const launchTemplates = resources(template, 'AWS::EC2::LaunchTemplate');
      for (const [, launch] of launchTemplates) expect(launch.Properties.LaunchTemplateData.NetworkInterfaces).toBeUndefined();
      for (const [, service] of resources(template, 'AWS::ECS::Service')) {
        expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
      }
    });

    test('the web tier admits only the load balancer, only on the app port', () => {
      const { group } = webTierOf(template);
      const port = webTier === 'ecs' ? 8080 : 80; // the container's unprivileged port, or the host's
      expect(ingressRules(template).filter((r) => r.group === group)).toEqual([{ group, from: loadBalancerGroup, fromPort: port, toPort: port }]);
    });

    test('only the load balancer accepts traffic from the internet, on 80 and 443', () => {
      const fromInternet = ingressRules(template).filter((r) => r.from === '0.0.0.0/0' || r.from === '::/0');
      expect(fromInternet.map((r) => [r.group, r.fromPort])).toEqual([
        [loadBalancerGroup, 443],
        [loadBalancerGroup, 80],
      ]);
    });

    test('the database admits only the web tier, on its port', () => {
      const [, database] = only(template, 'AWS::RDS::DBInstance');
      const databaseGroup = database.Properties.VPCSecurityGroups[0]['Fn::GetAtt'][0];
      expect(ingressRules(template).filter((r) => r.group === databaseGroup)).toEqual([
        { group: databaseGroup, from: webTierOf(template).group, fromPort: 5432, toPort: 5432 },
      ]);
    });

    test('a fast but safe health check on /healthz and a 30 s deregistration delay', () => {
      const [, targetGroup] = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
      expect(targetGroup.Properties).toMatchObject({
        HealthCheckPath: '/healthz',
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 3,
        Matcher: { HttpCode: '200' },
        Port: webTier === 'ecs' ? 8080 : 80,
        Protocol: 'HTTP',
        TargetGroupAttributes: expect.arrayContaining([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
      });
    });

    test('target tracking scales on CPU and on requests per target, with the configured targets', () => {
      const policies = resources(template, 'AWS::AutoScaling::ScalingPolicy').concat(resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'));
      const tracked = policies.map(([, p]) => {
        const config = p.Properties.TargetTrackingConfiguration ?? p.Properties.TargetTrackingScalingPolicyConfiguration;
        return [config.PredefinedMetricSpecification.PredefinedMetricType, config.TargetValue];
      });
      expect(tracked.sort()).toEqual(
        webTier === 'ec2'
          ? [
              ['ALBRequestCountPerTarget', 60000],
              ['ASGAverageCPUUtilization', 60],
            ]
          : [
              ['ALBRequestCountPerTarget', 60000],
              ['ECSServiceAverageCPUUtilization', 60],
            ],
      );
    });

    test('api.<domain> is a weighted alias to the load balancer that evaluates target health', () => {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'api.example.com.',
        Type: 'A',
        SetIdentifier: 'Stage3-LoadBalanced',
        Weight: 100,
        AliasTarget: {
          DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': [loadBalancerId, 'DNSName'] }]] },
          EvaluateTargetHealth: true,
        },
      });
    });

    test('one NAT gateway per zone by default, or as configured', () => {
      expect(resources(template, 'AWS::EC2::NatGateway')).toHaveLength(2);
      expect(resources(templateOf(3, { webTier, natGateways: '1' }), 'AWS::EC2::NatGateway')).toHaveLength(1);
    });
  });

  describe('with webTier=ec2 (the default): an Auto Scaling group', () => {
    const template = templateOf(3);
    const [groupId, group] = only(template, 'AWS::AutoScaling::AutoScalingGroup');

    test('capacity comes from the configuration; without desiredCapacity, scaling owns the size', () => {
      expect(group.Properties).toMatchObject({ MinSize: '2', MaxSize: '6' });
      expect(group.Properties.DesiredCapacity).toBeUndefined();
      const sized = only(templateOf(3, { minCapacity: 3, maxCapacity: 10, desiredCapacity: 4 }), 'AWS::AutoScaling::AutoScalingGroup')[1];
      expect(sized.Properties).toMatchObject({ MinSize: '3', MaxSize: '10', DesiredCapacity: '4' });
    });

    test('the load balancer health check replaces unhealthy instances, after a grace period', () => {
      expect(group.Properties).toMatchObject({ HealthCheckType: 'ELB', HealthCheckGracePeriod: 300 });
    });

    test('a changed launch template replaces instances one at a time, each proving it serves first', () => {
      expect(group.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ MaxBatchSize: 1, MinInstancesInService: 2, WaitOnResourceSignals: true, PauseTime: 'PT15M' });
      expect(group.CreationPolicy).toEqual({ ResourceSignal: { Count: 2, Timeout: 'PT15M' } });
      const [, launch] = only(template, 'AWS::EC2::LaunchTemplate');
      expect(JSON.stringify(launch.Properties.LaunchTemplateData.UserData)).toContain(`--resource ${groupId} `);
      // With min = max there must still be room to replace one instance.
      const fixed = only(templateOf(3, { minCapacity: 4, maxCapacity: 4 }), 'AWS::AutoScaling::AutoScalingGroup')[1];
      expect(fixed.UpdatePolicy.AutoScalingRollingUpdate.MinInstancesInService).toBe(3);
    });

    test('instances get the same hardening as stage 1', () => {
      const [, launch] = only(template, 'AWS::EC2::LaunchTemplate');
      expect(launch.Properties.LaunchTemplateData).toMatchObject({
        InstanceType: 't3.small',
        MetadataOptions: { HttpTokens: 'required' },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3' } }],
        Monitoring: { Enabled: true },
      });
      expect(launch.Properties.LaunchTemplateData.KeyName).toBeUndefined();
    });

    test('must not contain an ECS service', () => {
      expect(resources(template, 'AWS::ECS::Service')).toEqual([]);
    });
  });

  describe('with webTier=ecs: a Fargate service', () => {
    const template = templateOf(3, { webTier: 'ecs' });
    const [, service] = only(template, 'AWS::ECS::Service');
    const [, task] = only(template, 'AWS::ECS::TaskDefinition');

    test('starts new tasks before stopping old ones, and rolls back a deployment that never gets healthy', () => {
      expect(service.Properties).toMatchObject({
        LaunchType: 'FARGATE',
        DesiredCount: 2,
        DeploymentConfiguration: { MinimumHealthyPercent: 100, MaximumPercent: 200, DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
        HealthCheckGracePeriodSeconds: 60,
      });
    });

    test('capacity and task size come from the configuration', () => {
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
      expect(task.Properties).toMatchObject({ Cpu: '512', Memory: '1024', RequiresCompatibilities: ['FARGATE'] });
      const sized = templateOf(3, { webTier: 'ecs', minCapacity: 3, maxCapacity: 9, taskCpu: 1024, taskMemoryMiB: 4096 });
      sized.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 9 });
      expect(only(sized, 'AWS::ECS::TaskDefinition')[1].Properties).toMatchObject({ Cpu: '1024', Memory: '4096' });
      expect(only(sized, 'AWS::ECS::Service')[1].Properties.DesiredCount).toBe(3);
    });

    test('the container logs to CloudWatch and learns where its data lives, never a password', () => {
      const [container] = task.Properties.ContainerDefinitions;
      expect(container.LogConfiguration.LogDriver).toBe('awslogs');
      expect(container.PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
      expect(container.Environment.map((e: { Name: string }) => e.Name).sort()).toEqual([
        'AWS_REGION', 'DATA_STORE', 'DB_CA_FILE', 'DB_HOST', 'DB_NAME', 'DB_PORT', 'DB_SECRET_ARN', 'PORT', 'STAGE', 'VERSION',
      ]);
      expect(JSON.stringify(task)).not.toMatch(/password|resolve:secretsmanager/i);
    });

    test('the container runs the service from an image asset that cdk deploy builds (synth needs no Docker)', () => {
      const [container] = task.Properties.ContainerDefinitions;
      expect(JSON.stringify(container.Image)).toMatch(/cdk-hnb659fds-container-assets-123456789012-us-east-1:[0-9a-f]{64}/);
    });

    test('Container Insights is on for the cluster', () => {
      template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    });

    test('the task role, not an instance role, gets the data tier grants', () => {
      const dynamo = templateOf(3, { webTier: 'ecs', dataStore: 'dynamodb' });
      const [tableId] = only(dynamo, 'AWS::DynamoDB::Table');
      const statements = statementsOf(dynamo, webTierOf(dynamo).roleLogicalId);
      expect(statements).toContainEqual(expect.objectContaining({ Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } }));
    });

    test('must not contain an Auto Scaling group or a launch template', () => {
      expect(resources(template, 'AWS::AutoScaling::AutoScalingGroup')).toEqual([]);
      expect(resources(template, 'AWS::EC2::LaunchTemplate')).toEqual([]);
    });
  });

  describe('with https (the default)', () => {
    const template = templateOf(3);

    test('a DNS-validated certificate for api.<domain> in the hosted zone', () => {
      template.hasResourceProperties('AWS::CertificateManager::Certificate', {
        DomainName: 'api.example.com',
        ValidationMethod: 'DNS',
        DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: 'Z0000000000000EXAMPLE' }],
      });
    });

    test('an HTTPS listener with a TLS 1.3 policy, and HTTP redirected permanently to HTTPS', () => {
      const [certificateId] = only(template, 'AWS::CertificateManager::Certificate');
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: { Ref: certificateId } }],
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        DefaultActions: [Match.objectLike({ Type: 'forward' })],
      });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'redirect', RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' } }],
      });
      template.hasOutput('Url', { Value: 'https://api.example.com/' });
    });
  });

  describe('with https=false', () => {
    const template = templateOf(3, { https: 'false' });

    test('one plain HTTP listener that forwards, no certificate, nothing open on 443', () => {
      const [, listener] = only(template, 'AWS::ElasticLoadBalancingV2::Listener');
      expect(listener.Properties).toMatchObject({ Port: 80, Protocol: 'HTTP', DefaultActions: [expect.objectContaining({ Type: 'forward' })] });
      expect(resources(template, 'AWS::CertificateManager::Certificate')).toEqual([]);
      expect(ingressRules(template).filter((r) => r.from === '0.0.0.0/0').map((r) => r.fromPort)).toEqual([80]);
      template.hasOutput('Url', { Value: 'http://api.example.com/' });
    });
  });
});
