/** The Lambda and trigger that prove a deployment serves (lib/constructs/deployment-verification.ts). */
import { NODE_MAJOR } from '../../lib/bundles';
import { templateOf } from '../support/synth-cache';
import { type CfnTemplate, idOf, only, resources, statementsOf } from '../support/template';
import { LOAD_BALANCED_ALTERED, SINGLE_SERVER_ALTERED } from '../support/variants';

describe.each([
  ['Stage1-SingleServer', 1, {}, 'ip'],
  ['Stage2-SeparateData', 2, {}, 'ip'],
  ['Stage3-LoadBalanced webTier=ec2', 3, {}, 'alias'],
  ['Stage3-LoadBalanced webTier=ecs dataStore=dynamodb https=false', 3, { webTier: 'ecs', dataStore: 'dynamodb', https: 'false' }, 'alias'],
] as const)('%s', (_name, stage, overrides, kind) => {
  const template: CfnTemplate = templateOf(stage, overrides);
  const [functionId, fn] = resources(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('VerificationFunction'))!;
  const [, trigger] = only(template, 'Custom::Trigger');

  test('a trigger runs the verification Lambda after the record and the web tier exist', () => {
    const [recordId] = only(template, 'AWS::Route53::RecordSet');
    const webTier = ['AWS::AutoScaling::AutoScalingGroup', 'AWS::ECS::Service', 'AWS::EC2::Instance'].flatMap((type) =>
      resources(template, type).map(([id]) => id),
    );
    expect(trigger.DependsOn).toEqual(expect.arrayContaining([recordId, ...webTier]));
    if (stage === 3)
      expect(trigger.DependsOn).toEqual(
        expect.arrayContaining(resources(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([id]) => id)),
      );
    // The trigger invokes the current version of the verification function.
    expect(template.Resources[idOf(trigger.Properties.HandlerArn)]).toMatchObject({
      Type: 'AWS::Lambda::Version',
      Properties: { FunctionName: { Ref: functionId } },
    });
  });

  test('the Lambda checks the stage record, then health and readiness through its own target, within a time budget', () => {
    const env = fn.Properties.Environment.Variables;
    expect(env).toMatchObject({
      HOSTED_ZONE_ID: 'Z0000000000000EXAMPLE',
      RECORD_NAME: 'api.example.com',
      WEIGHT: '100',
      TARGET_KIND: kind,
      BUDGET_SECONDS: '600',
    });
    const scheme = stage === 3 && (overrides as { https?: string }).https !== 'false' ? 'https' : 'http';
    const host =
      kind === 'ip'
        ? { Ref: only(template, 'AWS::EC2::EIP')[0] }
        : { 'Fn::GetAtt': [only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0], 'DNSName'] };
    expect(env.HEALTH_URL).toEqual({ 'Fn::Join': ['', [`${scheme}://`, host, '/healthz']] });
    expect(env.READY_URL).toEqual({ 'Fn::Join': ['', [`${scheme}://`, host, '/readyz']] });
    expect(env.TARGET).toEqual(host);
    expect([fn.Properties.Timeout, fn.Properties.Runtime, fn.Properties.Handler]).toEqual([720, `nodejs${NODE_MAJOR}.x`, 'index.handler']);
  });

  test('its role allows exactly the calls it makes, scoped to the zone and this record where the API allows', () => {
    const role = idOf(fn.Properties.Role);
    const statements = statementsOf(template, role).filter((s) => JSON.stringify(s.Action).includes('route53'));
    const zone = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0000000000000EXAMPLE']] };
    expect(statements).toEqual([
      { Action: 'route53:ListResourceRecordSets', Effect: 'Allow', Resource: zone },
      {
        Action: 'route53:ChangeResourceRecordSets',
        Effect: 'Allow',
        Resource: zone,
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.example.com'],
            'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
          },
        },
      },
      {
        Action: 'route53:GetChange',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::change/*']] },
      },
      { Action: 'route53:TestDNSAnswer', Effect: 'Allow', Resource: '*' },
    ]);
    expect(template.Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
  });
});

test('verifyDeployment=false leaves the Lambda and the trigger out', () => {
  for (const [stage, overrides] of [
    [1, SINGLE_SERVER_ALTERED],
    [3, LOAD_BALANCED_ALTERED],
  ] as const) {
    const template = templateOf(stage, overrides);
    expect(resources(template, 'Custom::Trigger')).toEqual([]);
    expect(resources(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('Verification'))).toEqual([]);
  }
});
