/**
 * What every load-balanced stage (3 and up) has in front of its data: a load balancer over two
 * zones and a private web tier that scales behind it; in stages 3 and 4 the load balancer is the
 * front door on the internet, with HTTPS and the record (from stage 5 the CDN is, and the stage's
 * own test says so). Stage tests call `describeLoadBalancedFront` for their stage and then say what
 * their own chapter adds.
 */
import type { StageNumber } from '../../lib/config';
import { STAGES } from '../../lib/config';
import { templateOf } from '../support/synth-cache';
import { type CfnTemplate, idOf, ingressRules, only, resources, statementsOf, subnetTier } from '../support/template';
import {
  FARGATE_ALTERED,
  FARGATE_DYNAMODB,
  FIXED_SIZE,
  LOAD_BALANCED_ALTERED,
  NAT_GATEWAYS,
  NAT_INSTANCES,
  POOL_RESIZED,
} from '../support/variants';

/** The web tier of a load-balanced stage's template, whichever kind it is. */
export function webTierOf(template: CfnTemplate): { id: string; group: string; subnets: { Ref: string }[]; roleLogicalId: string } {
  const groups = resources(template, 'AWS::AutoScaling::AutoScalingGroup');
  if (groups.length > 0) {
    const launch = resources(template, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScalingWebTier'))![1];
    const profile = resources(template, 'AWS::IAM::InstanceProfile').find(([id]) => id.startsWith('AutoScalingWebTier'))![1];
    return {
      id: groups[0][0],
      group: idOf(launch.Properties.LaunchTemplateData.SecurityGroupIds[0]),
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

const gateways = (t: CfnTemplate) => resources(t, 'AWS::EC2::NatGateway');
const natInstances = (t: CfnTemplate) => resources(t, 'AWS::EC2::Instance').filter(([, i]) => i.Properties.SourceDestCheck === false);

export function describeLoadBalancedFront(stage: StageNumber): void {
  /** Stages 3 and 4: the load balancer itself faces the internet. */
  const onInternet = stage < 5;
  /** Stages 3 and 4 reach the internet through NAT instances by default, 5 and up through gateways (natProvider). */
  const gatewaysByDefault = stage >= 5;
  // What only a load balancer on the internet has; not registered at all for a stage behind the CDN.
  const internetTest = (onInternet ? test : () => undefined) as typeof test;
  const internetDescribe = (onInternet ? describe : () => undefined) as typeof describe;
  describe.each(['ec2', 'ecs'])('its front, with webTier=%s', (webTier) => {
    const template = templateOf(stage, { webTier });
    const [loadBalancerId, loadBalancer] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const loadBalancerGroup = idOf(loadBalancer.Properties.SecurityGroups[0]);
    const web = webTierOf(template);

    test(`${onInternet ? 'an internet-facing' : 'an internal'} load balancer spans the ${onInternet ? 'public' : 'private'} subnets of two zones`, () => {
      expect(loadBalancer.Properties.Scheme).toBe(onInternet ? 'internet-facing' : 'internal');
      const tier = onInternet ? 'Public' : 'Private';
      expect(loadBalancer.Properties.Subnets.map((ref: { Ref: string }) => subnetTier(template, ref))).toEqual([tier, tier]);
    });

    test('the web tier runs in private subnets of two zones, and starts only once they route to the internet through NAT', () => {
      expect(web.subnets.map((ref) => subnetTier(template, ref))).toEqual(['Private', 'Private']);
      // Without the routes, a host cannot signal CloudFormation and the stack waits 15 minutes to roll back.
      const routes = resources(template, 'AWS::EC2::Route')
        .filter(([id]) => id.includes('PrivateSubnet'))
        .map(([id]) => id);
      expect(routes).toHaveLength(2);
      expect(template.Resources[web.id].DependsOn).toEqual(expect.arrayContaining(routes));
    });

    test('the web tier admits only the load balancer, only on the app port', () => {
      const port = webTier === 'ecs' ? 8080 : 80; // the container's unprivileged port, or the host's
      expect(ingressRules(template).filter((r) => r.group === web.group)).toEqual([
        { group: web.group, from: loadBalancerGroup, fromPort: port, toPort: port },
      ]);
    });

    internetTest('only the load balancer accepts traffic from the internet, on 80 and 443', () => {
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

    internetTest('api.<domain> is a weighted alias to the load balancer that evaluates target health', () => {
      expect(only(template, 'AWS::Route53::RecordSet')[1].Properties).toMatchObject({
        Name: 'api.example.com.',
        Type: 'A',
        SetIdentifier: STAGES[stage].stackName,
        Weight: 100,
        AliasTarget: {
          DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': [loadBalancerId, 'DNSName'] }]] },
          EvaluateTargetHealth: true,
        },
      });
    });

    test(`its egress goes through ${gatewaysByDefault ? 'NAT gateways' : 'NAT instances'}, one per zone; no other instance, and no Elastic IP but the NAT gateways'`, () => {
      const [nats, others] = gatewaysByDefault
        ? [gateways(template), natInstances(template)]
        : [natInstances(template), gateways(template)];
      expect([nats.length, others.length]).toEqual([2, 0]);
      expect(resources(template, 'AWS::EC2::Instance')).toEqual(natInstances(template));
      const natAddresses = gateways(template).map(([, nat]) => idOf(nat.Properties.AllocationId));
      expect(resources(template, 'AWS::EC2::EIP').map(([id]) => id)).toEqual(natAddresses);
    });
  });

  describe('its options', () => {
    const altered = templateOf(stage, LOAD_BALANCED_ALTERED);

    test(`with natProvider=${gatewaysByDefault ? 'instance' : 'gateway'}, the other NAT: as many, and no other change to the web tier`, () => {
      const other = templateOf(stage, gatewaysByDefault ? NAT_INSTANCES : NAT_GATEWAYS);
      expect([gateways(other).length, natInstances(other).length]).toEqual(gatewaysByDefault ? [0, 2] : [2, 0]);
      expect(webTierOf(other)).toEqual(webTierOf(templateOf(stage)));
    });

    test('capacity comes from the configuration; without desiredCapacity, scaling owns the size', () => {
      const [, group] = only(templateOf(stage), 'AWS::AutoScaling::AutoScalingGroup');
      expect(group.Properties).toMatchObject({ MinSize: '2', MaxSize: '6' });
      expect(group.Properties.DesiredCapacity).toBeUndefined();
      expect(only(altered, 'AWS::AutoScaling::AutoScalingGroup')[1].Properties).toMatchObject({
        MinSize: '3',
        MaxSize: '8',
        DesiredCapacity: '4',
      });
    });

    test('NATs as configured: one for two zones is allowed, and named as a single point of failure in compare', () => {
      expect((gatewaysByDefault ? gateways : natInstances)(altered)).toHaveLength(1);
    });

    test('pauseWrites answers writes with 503 at the load balancer, before any other rule; reads still reach the web tier', () => {
      const [, pause] = only(altered, 'AWS::ElasticLoadBalancingV2::ListenerRule');
      expect(pause.Properties).toMatchObject({
        Priority: 1,
        Conditions: [{ Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST', 'PUT', 'PATCH', 'DELETE'] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'application/json' } }],
      });
      expect(resources(templateOf(stage), 'AWS::ElasticLoadBalancingV2::ListenerRule')).toEqual([]);
    });

    if (stage === 3) {
      test('with min = max there is still room to replace one instance in a rolling update', () => {
        const fixed = only(templateOf(3, FIXED_SIZE), 'AWS::AutoScaling::AutoScalingGroup')[1];
        expect(fixed.UpdatePolicy.AutoScalingRollingUpdate.MinInstancesInService).toBe(3);
      });

      test("the Fargate tier's capacity and task size come from the configuration", () => {
        const sized = templateOf(3, FARGATE_ALTERED);
        expect(only(sized, 'AWS::ApplicationAutoScaling::ScalableTarget')[1].Properties).toMatchObject({ MinCapacity: 3, MaxCapacity: 8 });
        expect(only(sized, 'AWS::ECS::TaskDefinition')[1].Properties).toMatchObject({ Cpu: '1024', Memory: '4096' });
        expect(only(sized, 'AWS::ECS::Service')[1].Properties.DesiredCount).toBe(3);
      });

      describe('the deployment verification runs again on a deployment that changes what the servers run, and only then', () => {
        const triggerOf = (t: CfnTemplate) => only(t, 'Custom::Trigger')[1].Properties;
        const launchTemplateOf = (t: CfnTemplate) =>
          resources(t, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScalingWebTier'))!;

        test("a change to the servers' environment changes their launch template (a new version at deploy) and the trigger's digest", () => {
          const [id, launch] = launchTemplateOf(templateOf(3));
          const [resizedId, resized] = launchTemplateOf(templateOf(3, POOL_RESIZED));
          expect(resizedId).toBe(id);
          expect(resized.Properties.LaunchTemplateData.UserData).not.toEqual(launch.Properties.LaunchTemplateData.UserData);
          expect(triggerOf(templateOf(3, POOL_RESIZED)).Serving).toEqual([{ 'Fn::GetAtt': [id, 'LatestVersionNumber'] }]);
          expect(triggerOf(templateOf(3, POOL_RESIZED)).ServingDigest).not.toBe(triggerOf(templateOf(3)).ServingDigest);
        });

        test('a change to the task gives a new task definition (a new revision at deploy) and changes the digest', () => {
          const [taskId] = only(templateOf(3, { webTier: 'ecs' }), 'AWS::ECS::TaskDefinition');
          expect(triggerOf(templateOf(3, FARGATE_ALTERED)).Serving).toEqual([{ Ref: taskId }]);
          expect(triggerOf(templateOf(3, FARGATE_ALTERED)).ServingDigest).not.toBe(
            triggerOf(templateOf(3, { webTier: 'ecs' })).ServingDigest,
          );
        });

        test("a change to the group's size alone leaves the trigger as it was: nothing new serves", () => {
          expect(triggerOf(templateOf(3, FIXED_SIZE))).toEqual(triggerOf(templateOf(3)));
        });
      });

      test('the task role, not an instance role, gets the data tier grants', () => {
        const dynamo = templateOf(3, FARGATE_DYNAMODB);
        const [tableId] = only(dynamo, 'AWS::DynamoDB::Table');
        expect(statementsOf(dynamo, webTierOf(dynamo).roleLogicalId)).toContainEqual(
          expect.objectContaining({ Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } }),
        );
      });
    }
  });

  internetDescribe('https', () => {
    test('by default: a certificate for api.<domain>, an HTTPS listener, HTTP redirected, an https URL', () => {
      const template = templateOf(stage);
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
      const template = templateOf(stage, { https: 'false' });
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
}
