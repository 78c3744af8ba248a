import { CACHE_ACCESS_STRING } from '../../lib/data-contract';
import { templateOf } from '../support/synth-cache';
import { type CfnTemplate, only, resources, statementsOf, userDataText } from '../support/template';
import { CDN_CUTOVER, NO_SPOT, STATELESS_ALTERED } from '../support/variants';
import { describeLoadBalancedFront, webTierOf } from './load-balanced-front';

/** The settings the web app gets: its hosts' user data, or its container's environment. */
const appEnvironment = (template: CfnTemplate): string => {
  const launch = resources(template, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScaling'));
  return launch
    ? userDataText(launch[1].Properties.LaunchTemplateData.UserData)
    : only(template, 'AWS::ECS::TaskDefinition')[1]
        .Properties.ContainerDefinitions[0].Environment.map(
          (v: any) => `${v.Name}=${typeof v.Value === 'string' ? v.Value : JSON.stringify(v.Value)}`,
        )
        .join('\n');
};

describe('Stage 6 — stateless web tier', () => {
  describeLoadBalancedFront(6);

  describe('the API name: stage 5 carries it by default, stage 6 once given a weight above 0', () => {
    const namedRecords = (template: CfnTemplate, name: string) =>
      resources(template, 'AWS::Route53::RecordSet')
        .filter(([, r]) => r.Properties.Name === name)
        .map(([, r]) => [r.Properties.Type, r.Properties.SetIdentifier, r.Properties.Weight]);
    const aliases = (template: CfnTemplate) => only(template, 'AWS::CloudFront::Distribution')[1].Properties.DistributionConfig.Aliases;

    test('at its default weight 0: its own name only, on the distribution and in DNS; must not: a record named api.<domain> of any type', () => {
      const template = templateOf(6);
      expect(aliases(template)).toEqual(['stage6.api.example.com']);
      expect(namedRecords(template, 'api.example.com.')).toEqual([]);
      expect(namedRecords(template, 'stage6.api.example.com.')).toEqual([
        ['A', undefined, undefined],
        ['AAAA', undefined, undefined],
      ]);
      expect(template.Outputs?.Url.Value).toBe('https://stage6.api.example.com/');
      expect(template.Outputs?.Record.Value).toContain('does not carry api.example.com');
    });

    test('at weight 100 (stage 5 at 0): api.<domain> on the distribution, and its weighted A and AAAA records', () => {
      const template = templateOf(6, CDN_CUTOVER);
      expect(aliases(template)).toEqual(['api.example.com', 'stage6.api.example.com']);
      expect(namedRecords(template, 'api.example.com.')).toEqual([
        ['A', 'Stage6-Stateless', 100],
        ['AAAA', 'Stage6-Stateless', 100],
      ]);
      expect(template.Outputs?.Url.Value).toBe('https://api.example.com/');
    });
  });

  describe('sessions live in a store every server shares', () => {
    test('with dataStore=rds: in the managed cache, under the prefix its user may use, for 24 hours', () => {
      const template = templateOf(6);
      const environment = appEnvironment(template);
      expect(environment).toMatch(/^SESSION_STORE=cache$/m);
      expect(environment).toMatch(/^SESSION_TTL_SECONDS=86400$/m);
      expect(CACHE_ACCESS_STRING).toContain('~session:*');
      expect(resources(template, 'AWS::DynamoDB::Table')).toEqual([]);
    });

    test('with dataStore=dynamodb: a table of their own that DynamoDB expires by expiresAt; the web tier may only get, put, update and delete in it', () => {
      const template = templateOf(6, { dataStore: 'dynamodb' });
      const [sessionsId, sessions] = resources(template, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith('Sessions'))!;
      expect(sessions.Properties).toMatchObject({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      // Sessions are not the business's data: nothing to keep when the stage goes.
      expect(sessions.DeletionPolicy).toBe('Delete');
      expect(appEnvironment(template)).toMatch(new RegExp(`^SESSION_STORE=dynamodb$[\\s\\S]*SESSION_TABLE=\\$\\{${sessionsId}\\}`, 'm'));
      const grants = statementsOf(template, webTierOf(template).roleLogicalId).filter((s) =>
        JSON.stringify(s.Resource).includes(sessionsId),
      );
      expect(grants).toEqual([
        {
          Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [sessionsId, 'Arn'] },
        },
      ]);
    });

    test('the lifetime comes from sessionTtlHours', () => {
      expect(appEnvironment(templateOf(6, STATELESS_ALTERED))).toMatch(/^SESSION_TTL_SECONDS=7200$/m);
    });

    test.each(['ec2', 'ecs'])(
      'with webTier=%s, nothing pins a client to a server: no stickiness, no cookie at the load balancer',
      (webTier) => {
        const template = templateOf(6, { webTier });
        for (const [, group] of resources(template, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
          // Said explicitly, and said off.
          expect((group.Properties.TargetGroupAttributes ?? []).filter((a: any) => a.Key.startsWith('stickiness'))).toEqual([
            { Key: 'stickiness.enabled', Value: 'false' },
          ]);
        }
        expect(JSON.stringify(template)).not.toMatch(/lb_cookie|app_cookie|stickiness\.type/);
      },
    );

    test("before stage 6, sessions are each server's own (the flaw this stage removes)", () => {
      expect(appEnvironment(templateOf(5))).not.toMatch(/SESSION_STORE/);
    });
  });

  describe('the web tier is disposable, so most of it runs on Spot', () => {
    test('ec2: one instance on demand, the rest on Spot across the interchangeable types, replaced ahead of interruption', () => {
      const [, group] = only(templateOf(6), 'AWS::AutoScaling::AutoScalingGroup');
      expect(group.Properties.LaunchTemplate).toBeUndefined();
      expect(group.Properties.MixedInstancesPolicy).toMatchObject({
        InstancesDistribution: {
          OnDemandBaseCapacity: 1,
          OnDemandPercentageAboveBaseCapacity: 0,
          OnDemandAllocationStrategy: 'prioritized',
          SpotAllocationStrategy: 'price-capacity-optimized',
        },
        LaunchTemplate: { Overrides: [{ InstanceType: 't3.small' }, { InstanceType: 't3a.small' }] },
      });
      expect(group.Properties.CapacityRebalance).toBe(true);
    });

    test('ec2 with its options: the base, the share and Graviton types of the same size', () => {
      const [, group] = only(templateOf(6, STATELESS_ALTERED), 'AWS::AutoScaling::AutoScalingGroup');
      expect(group.Properties.MixedInstancesPolicy).toMatchObject({
        InstancesDistribution: { OnDemandBaseCapacity: 2, OnDemandPercentageAboveBaseCapacity: 40 },
        LaunchTemplate: { Overrides: [{ InstanceType: 'm7g.large' }, { InstanceType: 'm6g.large' }] },
      });
    });

    test("ecs: Fargate for the base, Fargate Spot for the rest, from the cluster's capacity providers", () => {
      const template = templateOf(6, { webTier: 'ecs' });
      const [, service] = only(template, 'AWS::ECS::Service');
      expect(service.Properties.LaunchType).toBeUndefined();
      expect(service.Properties.CapacityProviderStrategy).toEqual([
        { CapacityProvider: 'FARGATE', Base: 1, Weight: 0 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 100 },
      ]);
      expect(only(template, 'AWS::ECS::ClusterCapacityProviderAssociations')[1].Properties.CapacityProviders).toEqual([
        'FARGATE',
        'FARGATE_SPOT',
      ]);
    });

    test('with spotPercentage=0: all on Fargate, no Spot in the strategy', () => {
      const [, service] = only(templateOf(6, NO_SPOT), 'AWS::ECS::Service');
      expect(service.Properties.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Base: 0, Weight: 100 }]);
    });

    test('must not: stages before 6, whose servers hold sessions, run on Spot', () => {
      for (const webTier of ['ec2', 'ecs']) {
        const template = templateOf(5, { webTier });
        expect(JSON.stringify(template)).not.toMatch(/FARGATE_SPOT|MixedInstancesPolicy/);
      }
    });
  });
});
