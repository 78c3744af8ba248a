import { templateOf } from '../support/synth-cache';
import { type CfnTemplate, idOf, ingressRules, only, resources, statementsOf, subnetTier } from '../support/template';

/** The web tier of a stage 3 template, whichever kind it is. */
function webTierOf(template: CfnTemplate): { id: string; group: string; subnets: { Ref: string }[]; roleLogicalId: string } {
  const groups = resources(template, 'AWS::AutoScaling::AutoScalingGroup');
  if (groups.length > 0) {
    const [, launchTemplate] = only(template, 'AWS::EC2::LaunchTemplate');
    const [, profile] = only(template, 'AWS::IAM::InstanceProfile');
    return {
      id: groups[0][0],
      group: idOf(launchTemplate.Properties.LaunchTemplateData.SecurityGroupIds[0]),
      subnets: groups[0][1].Properties.VPCZoneIdentifier,
      roleLogicalId: profile.Properties.Roles[0].Ref,
    };
  }
  const [serviceId, service] = only(template, 'AWS::ECS::Service');
  const [, task] = only(template, 'AWS::ECS::TaskDefinition');
  const network = service.Properties.NetworkConfiguration.AwsvpcConfiguration;
  return {
    id: serviceId,
    group: idOf(network.SecurityGroups[0]),
    subnets: network.Subnets,
    roleLogicalId: idOf(task.Properties.TaskRoleArn),
  };
}

describe('Stage 3 — load balancer and horizontal scaling', () => {
  describe.each(['ec2', 'ecs'])('with webTier=%s', (webTier) => {
    const template = templateOf(3, { webTier });
    const [loadBalancerId, loadBalancer] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const loadBalancerGroup = idOf(loadBalancer.Properties.SecurityGroups[0]);
    const web = webTierOf(template);

    test('an internet-facing load balancer spans the public subnets of two zones', () => {
      expect(loadBalancer.Properties.Scheme).toBe('internet-facing');
      expect(loadBalancer.Properties.Subnets.map((ref: { Ref: string }) => subnetTier(template, ref))).toEqual(['Public', 'Public']);
    });

    test('the web tier runs in private subnets of two zones', () => {
      expect(web.subnets.map((ref) => subnetTier(template, ref))).toEqual(['Private', 'Private']);
      expect(resources(template, 'AWS::EC2::Instance')).toEqual([]);
    });

    test('the web tier starts only once its private subnets route to the internet through NAT', () => {
      // Without the routes, a host cannot signal CloudFormation and the stack waits 15 minutes to roll back.
      const routes = resources(template, 'AWS::EC2::Route')
        .filter(([id]) => id.includes('PrivateSubnet'))
        .map(([id]) => id);
      expect(routes).toHaveLength(2);
      expect(template.Resources[web.id].DependsOn).toEqual(expect.arrayContaining(routes));
    });

    test('the web tier admits only the load balancer, only on the app port; the database only the web tier', () => {
      const port = webTier === 'ecs' ? 8080 : 80; // the container's unprivileged port, or the host's
      expect(ingressRules(template).filter((r) => r.group === web.group)).toEqual([
        { group: web.group, from: loadBalancerGroup, fromPort: port, toPort: port },
      ]);
      const [, database] = only(template, 'AWS::RDS::DBInstance');
      const databaseGroup = idOf(database.Properties.VPCSecurityGroups[0]);
      expect(ingressRules(template).filter((r) => r.group === databaseGroup)).toEqual([
        { group: databaseGroup, from: web.group, fromPort: 5432, toPort: 5432 },
      ]);
    });

    test('only the load balancer accepts traffic from the internet, on 80 and 443', () => {
      const fromInternet = ingressRules(template).filter((r) => r.from === '0.0.0.0/0' || r.from === '::/0');
      expect(fromInternet.map((r) => [r.group, r.fromPort])).toEqual([
        [loadBalancerGroup, 443],
        [loadBalancerGroup, 80],
      ]);
    });

    test('target tracking scales on CPU and on requests per target, with the configured targets', () => {
      const policies = [
        ...resources(template, 'AWS::AutoScaling::ScalingPolicy'),
        ...resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'),
      ];
      const tracked = policies.map(([, p]) => {
        const config = p.Properties.TargetTrackingConfiguration ?? p.Properties.TargetTrackingScalingPolicyConfiguration;
        return [config.PredefinedMetricSpecification.PredefinedMetricType, config.TargetValue];
      });
      expect(tracked.sort()).toEqual([
        ['ALBRequestCountPerTarget', 60000],
        [webTier === 'ec2' ? 'ASGAverageCPUUtilization' : 'ECSServiceAverageCPUUtilization', 60],
      ]);
    });

    test('api.<domain> is a weighted alias to the load balancer that evaluates target health', () => {
      expect(only(template, 'AWS::Route53::RecordSet')[1].Properties).toMatchObject({
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

    test("must not contain a standalone instance, nor an Elastic IP but the NAT gateways'", () => {
      expect(resources(template, 'AWS::EC2::Instance')).toEqual([]);
      const natAddresses = resources(template, 'AWS::EC2::NatGateway').map(([, nat]) => idOf(nat.Properties.AllocationId));
      expect(resources(template, 'AWS::EC2::EIP').map(([id]) => id)).toEqual(natAddresses);
    });
  });

  describe('with webTier=ec2 (the default)', () => {
    test('capacity comes from the configuration; without desiredCapacity, scaling owns the size', () => {
      const [, group] = only(templateOf(3), 'AWS::AutoScaling::AutoScalingGroup');
      expect(group.Properties).toMatchObject({ MinSize: '2', MaxSize: '6' });
      expect(group.Properties.DesiredCapacity).toBeUndefined();
      const sized = only(
        templateOf(3, { minCapacity: '3', maxCapacity: '10', desiredCapacity: '4' }),
        'AWS::AutoScaling::AutoScalingGroup',
      )[1];
      expect(sized.Properties).toMatchObject({ MinSize: '3', MaxSize: '10', DesiredCapacity: '4' });
      // With min = max there must still be room to replace one instance.
      const fixed = only(templateOf(3, { minCapacity: '4', maxCapacity: '4' }), 'AWS::AutoScaling::AutoScalingGroup')[1];
      expect(fixed.UpdatePolicy.AutoScalingRollingUpdate.MinInstancesInService).toBe(3);
    });

    test('must not contain an ECS service', () => {
      expect(resources(templateOf(3), 'AWS::ECS::Service')).toEqual([]);
    });
  });

  describe('with webTier=ecs', () => {
    test('capacity and task size come from the configuration', () => {
      const sized = templateOf(3, { webTier: 'ecs', minCapacity: '3', maxCapacity: '9', taskCpu: '1024', taskMemoryMiB: '4096' });
      expect(only(sized, 'AWS::ApplicationAutoScaling::ScalableTarget')[1].Properties).toMatchObject({ MinCapacity: 3, MaxCapacity: 9 });
      expect(only(sized, 'AWS::ECS::TaskDefinition')[1].Properties).toMatchObject({ Cpu: '1024', Memory: '4096' });
      expect(only(sized, 'AWS::ECS::Service')[1].Properties.DesiredCount).toBe(3);
    });

    test('the task role, not an instance role, gets the data tier grants', () => {
      const dynamo = templateOf(3, { webTier: 'ecs', dataStore: 'dynamodb' });
      const [tableId] = only(dynamo, 'AWS::DynamoDB::Table');
      expect(statementsOf(dynamo, webTierOf(dynamo).roleLogicalId)).toContainEqual(
        expect.objectContaining({ Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } }),
      );
    });

    test('must not contain an Auto Scaling group or a launch template', () => {
      const template = templateOf(3, { webTier: 'ecs' });
      expect(resources(template, 'AWS::AutoScaling::AutoScalingGroup')).toEqual([]);
      expect(resources(template, 'AWS::EC2::LaunchTemplate')).toEqual([]);
    });
  });

  describe('https', () => {
    test('by default: a certificate for api.<domain>, an HTTPS listener, HTTP redirected, an https URL', () => {
      const template = templateOf(3);
      expect(only(template, 'AWS::CertificateManager::Certificate')[1].Properties).toMatchObject({
        DomainName: 'api.example.com',
        DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: 'Z0000000000000EXAMPLE' }],
      });
      expect(
        resources(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => [
          l.Properties.Port,
          l.Properties.Protocol,
          l.Properties.DefaultActions[0].Type,
        ]),
      ).toEqual([
        [443, 'HTTPS', 'forward'],
        [80, 'HTTP', 'redirect'],
      ]);
      expect(template.Outputs?.Url.Value).toBe('https://api.example.com/');
    });

    test('with https=false: one plain HTTP listener that forwards, no certificate, nothing open on 443', () => {
      const template = templateOf(3, { https: 'false' });
      const [, listener] = only(template, 'AWS::ElasticLoadBalancingV2::Listener');
      expect(listener.Properties).toMatchObject({
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [expect.objectContaining({ Type: 'forward' })],
      });
      expect(resources(template, 'AWS::CertificateManager::Certificate')).toEqual([]);
      expect(
        ingressRules(template)
          .filter((r) => r.from === '0.0.0.0/0')
          .map((r) => r.fromPort),
      ).toEqual([80]);
      expect(template.Outputs?.Url.Value).toBe('http://api.example.com/');
    });
  });
});
