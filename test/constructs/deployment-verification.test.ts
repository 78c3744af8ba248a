/** The Lambda and trigger that prove a deployment serves (lib/constructs/deployment-verification.ts). */

import { dirname, join } from 'node:path';
import { NODE_MAJOR } from '../../lib/bundles';
import { STAGES } from '../../lib/config';
import { fixtureOf, fixtureTemplate, templateOf } from '../support/synth-cache';
import { type CfnTemplate, idOf, only, resources, statementsOf } from '../support/template';
import { ADOPTED_TABLE, DATA_STAGES, LOAD_BALANCED_ALTERED, REPLICATED_ALTERED, SINGLE_SERVER_ALTERED } from '../support/variants';

/** The web tier's launch template (not the one NAT instances or a single server take their image from). */
const webLaunchTemplate = (template: CfnTemplate) =>
  resources(template, 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScalingWebTier'))![0];

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
    // The web tier: the group, the service or the single server; not the NAT instances (source/destination check off).
    const webTier = ['AWS::AutoScaling::AutoScalingGroup', 'AWS::ECS::Service', 'AWS::EC2::Instance'].flatMap((type) =>
      resources(template, type)
        .filter(([, r]) => r.Properties.SourceDestCheck !== false)
        .map(([id]) => id),
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

  test('the trigger carries what serves, so a deployment that changes it runs the verification again', () => {
    const [serving, version] =
      kind === 'ip'
        ? [only(template, 'AWS::EC2::Instance')[0], (id: string) => ({ Ref: id })]
        : 'webTier' in overrides
          ? [only(template, 'AWS::ECS::TaskDefinition')[0], (id: string) => ({ Ref: id })]
          : [webLaunchTemplate(template), (id: string) => ({ 'Fn::GetAtt': [id, 'LatestVersionNumber'] })];
    expect(trigger.Properties.Serving).toEqual([version(serving)]);
    expect(trigger.Properties.ServingDigest).toMatch(/^[0-9a-f]{16}$/);
  });

  test('the Lambda checks the stage record, then health and readiness through its own target, within a time budget', () => {
    const env = fn.Properties.Environment.Variables;
    expect(env).toMatchObject({
      HOSTED_ZONE_ID: 'Z0000000000000EXAMPLE',
      RECORD_NAME: 'api.example.com',
      ROUTING: 'weighted',
      SET_IDENTIFIER: STAGES[stage].stackName,
      WEIGHT: '100',
      RECORD_TYPES: 'A',
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
    // An alias target is its DNS name in its hosted zone: the Lambda expects the hosted zone the record names.
    const [, record] = only(template, 'AWS::Route53::RecordSet');
    expect(env.TARGET_HOSTED_ZONE_ID).toEqual(record.Properties.AliasTarget?.HostedZoneId);
    if (kind === 'alias')
      expect(env.TARGET_HOSTED_ZONE_ID).toEqual({
        'Fn::GetAtt': [only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0], 'CanonicalHostedZoneID'],
      });
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

  test("it knows its stack, and may read that stack's status and no other's: a rollback is not verified", () => {
    // The trigger provider invokes the Lambda without CloudFormation's request, so the stack id is in its environment.
    expect(fn.Properties.Environment.Variables.STACK_ID).toEqual({ Ref: 'AWS::StackId' });
    const statements = statementsOf(template, idOf(fn.Properties.Role)).filter((s) => JSON.stringify(s.Action).includes('cloudformation'));
    expect(statements).toEqual([{ Action: 'cloudformation:DescribeStacks', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } }]);
    // What the role allows is the Lambda's calls and its logs: nothing else.
    const services = statementsOf(template, idOf(fn.Properties.Role)).flatMap((s) => [s.Action].flat().map((a: string) => a.split(':')[0]));
    expect([...new Set(services)].sort()).toEqual(['cloudformation', 'logs', 'route53']);
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

describe.each([
  ['Stage5-CacheAndCdn, which carries api.<domain>: its weighted records of it', 5, {}, 'api.example.com', 'weighted'],
  [
    'Stage5-CacheAndCdn at weight 0, which does not: its own name, not weighted',
    5,
    { weight: '{"5":0}' },
    'stage5.api.example.com',
    'simple',
  ],
  ['Stage6-Stateless at its default weight 0: its own name, not weighted', 6, {}, 'stage6.api.example.com', 'simple'],
] as const)('%s', (_name, stage, overrides, name, routing) => {
  const template: CfnTemplate = templateOf(stage, overrides);
  const [, fn] = resources(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('VerificationFunction'))!;
  const env = fn.Properties.Environment.Variables;
  const [distribution] = only(template, 'AWS::CloudFront::Distribution');
  const judged = resources(template, 'AWS::Route53::RecordSet').filter(([, r]) => r.Properties.Name === `${name}.`);

  test("the Lambda judges those records, A and AAAA, aliases to its distribution in CloudFront's hosted zone", () => {
    expect(env).toMatchObject({
      RECORD_NAME: name,
      RECORD_TYPES: 'A,AAAA',
      ROUTING: routing,
      TARGET_KIND: 'cdn',
      HOST_NAME: `stage${stage}.api.example.com`,
    });
    expect(env.TARGET_CARRIES_NAME).toBeUndefined();
    if (routing === 'weighted') expect(env).toMatchObject({ SET_IDENTIFIER: STAGES[stage].stackName, WEIGHT: '100' });
    else expect([env.SET_IDENTIFIER, env.WEIGHT]).toEqual([undefined, undefined]);
    expect(env.TARGET).toEqual({ 'Fn::GetAtt': [distribution, 'DomainName'] });
    expect(judged.map(([, r]) => [r.Properties.Type, r.Properties.SetIdentifier !== undefined])).toEqual([
      ['A', routing === 'weighted'],
      ['AAAA', routing === 'weighted'],
    ]);
    // CloudFront's hosted zone (Z2FDTNDATAQYW2 in the aws partition), as the stage's records name it.
    for (const [, r] of judged) {
      expect(r.Properties.AliasTarget.DNSName).toEqual(env.TARGET);
      expect(r.Properties.AliasTarget.HostedZoneId).toEqual(env.TARGET_HOSTED_ZONE_ID);
    }
    expect(JSON.stringify((template as { Mappings?: unknown }).Mappings)).toContain('Z2FDTNDATAQYW2');
  });

  test('the trigger runs once those records exist', () => {
    const [, trigger] = only(template, 'Custom::Trigger');
    expect(trigger.DependsOn).toEqual(expect.arrayContaining(judged.map(([id]) => id)));
  });

  test('the trigger carries the web tier and the distribution: a change to either runs the verification again', () => {
    const [, trigger] = only(template, 'Custom::Trigger');
    expect(trigger.Properties.Serving).toEqual([
      { 'Fn::GetAtt': [webLaunchTemplate(template), 'LatestVersionNumber'] },
      { Ref: distribution },
    ]);
  });

  test('its role re-asserts exactly those records (their name, A and AAAA), and never asks Route 53 for an answer (a CDN answer is not comparable)', () => {
    const statements = statementsOf(template, idOf(fn.Properties.Role)).filter((s) => JSON.stringify(s.Action).includes('route53'));
    expect(statements.map((s) => s.Action)).toEqual([
      'route53:ListResourceRecordSets',
      'route53:ChangeResourceRecordSets',
      'route53:GetChange',
    ]);
    expect(statements[1].Condition['ForAllValues:StringEquals']).toEqual({
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': [name],
      'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA'],
      'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
    });
  });
});

/**
 * An Aurora cluster is complete before it has an instance, and readiness (/readyz) waits on the
 * writer: the trigger must wait for every instance, or a slow writer spends the verification's
 * time budget. Stage 1 keeps its data on the server, which the trigger waits for already.
 */
describe.each([
  ...DATA_STAGES.filter((s) => s.stage !== 1).map((s) => [s.name, s.stage, s.overrides] as const),
  ['Stage4-ReplicatedData with 3 readers, restored from a snapshot', 4, REPLICATED_ALTERED] as const,
  ['Stage4-ReplicatedData adopting a table', 4, ADOPTED_TABLE] as const,
])('%s', (_name, stage, overrides) => {
  const template: CfnTemplate = templateOf(stage, overrides);

  test('the verification waits for every database instance (writer and readers), or the table, it serves from', () => {
    const [, trigger] = only(template, 'Custom::Trigger');
    const instances = resources(template, 'AWS::RDS::DBInstance').map(([id]) => id);
    const itemTables = resources(template, 'AWS::DynamoDB::Table')
      .map(([id]) => id)
      .filter((id) => id.startsWith('NoSqlData'));
    const rds = (overrides as { dataStore?: string }).dataStore !== 'dynamodb';
    const readers = stage >= 4 ? Number((overrides as { readReplicas?: string }).readReplicas ?? 1) : 0;
    expect(instances).toHaveLength(rds ? 1 + readers : 0);
    expect(itemTables).toHaveLength(rds || 'existingTable' in overrides ? 0 : 1);
    expect(trigger.DependsOn).toEqual(expect.arrayContaining([...instances, ...itemTables]));
  });
});

/**
 * The trigger runs the verification again whenever what serves changes: it carries what identifies
 * each serving resource's deployed version, and a digest of their synthesized properties.
 */
describe('GIVEN a verification of what a server serves', () => {
  const triggerOf = (name: Parameters<typeof fixtureTemplate>[0]) => only(fixtureTemplate(name), 'Custom::Trigger');
  const [id, trigger] = triggerOf('deployment-verification/ip');

  test("THEN its trigger carries the server's id (a replacement changes it) and a digest of its properties", () => {
    expect(trigger.Properties.Serving).toEqual([{ Ref: 'Server' }]);
    expect(trigger.Properties.ServingDigest).toMatch(/^[0-9a-f]{16}$/);
  });

  test("WHEN only the server's script changes (an update in place, same id) THEN only the digest changes: CloudFormation updates the same trigger, which runs the verification", () => {
    const [changedId, changed] = triggerOf('deployment-verification/ip-script-changed');
    expect(changedId).toBe(id);
    expect(changed.Properties.ServingDigest).not.toBe(trigger.Properties.ServingDigest);
    expect({ ...changed.Properties, ServingDigest: undefined }).toEqual({ ...trigger.Properties, ServingDigest: undefined });
    // The same synthesis gives the same digest: nothing but a change re-runs it.
    expect(triggerOf('deployment-verification/ip')[1].Properties.ServingDigest).toBe(trigger.Properties.ServingDigest);
  });

  test('WHEN a launch template serves (an L1 or a construct around one) THEN its latest version number is what identifies it: an update makes a new version', () => {
    const template = fixtureTemplate('deployment-verification/launch-templates');
    const launchTemplates = resources(template, 'AWS::EC2::LaunchTemplate').map(([ltId]) => ltId);
    expect(launchTemplates).toHaveLength(2);
    expect(only(template, 'Custom::Trigger')[1].Properties.Serving).toEqual(
      launchTemplates.map((lt) => ({ 'Fn::GetAtt': [lt, 'LatestVersionNumber'] })),
    );
  });

  test('WHEN what is given to serve is no CloudFormation resource THEN synth fails naming it', () => {
    expect(fixtureOf('deployment-verification/serving-not-a-resource').error?.message).toBe(
      'DeploymentVerification serving: DeploymentVerification/Nothing is not a CloudFormation resource and has no default child that is one',
    );
  });
});

/**
 * What re-running the verification on a property change relies on in aws-cdk-lib's trigger provider,
 * run as CloudFormation calls it (its entry point, then its handler), with Lambda and the response
 * URL faked: an update invokes the verification and keeps the physical id, so CloudFormation sends
 * no delete for an old one; a delete (of the stack, or of the trigger) never invokes it; the update
 * that rolls a failed one back does, without saying so (the Lambda asks CloudFormation instead).
 */
describe("GIVEN aws-cdk-lib's trigger provider, as CloudFormation calls it", () => {
  const handlers = join(dirname(require.resolve('aws-cdk-lib')), 'custom-resource-handlers/dist');
  const invoked: string[] = [];
  const requests: object[] = [];
  const responses: { Status: string; PhysicalResourceId: string; Reason: string }[] = [];
  let failWith: string | undefined;
  let provider: { handler(event: unknown, context: unknown): Promise<void> };
  const PROPERTIES = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    HandlerArn: 'arn:aws:lambda:us-east-1:123456789012:function:verify:7',
    InvocationType: 'RequestResponse',
    Timeout: '720000',
    ExecuteOnHandlerChange: 'true',
    Serving: ['3'],
    ServingDigest: '6b199b5bbacd8266',
  };
  const call = async (RequestType: 'Create' | 'Update' | 'Delete', ResourceProperties: object, OldResourceProperties?: object) => {
    await provider.handler(
      {
        RequestType,
        RequestId: `request-${responses.length + 1}`,
        ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/response',
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Stage1-SingleServer/1',
        LogicalResourceId: 'VerificationTriggerDBB40D8C',
        ResourceType: 'Custom::Trigger',
        ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'request-1' }),
        ResourceProperties,
        ...(OldResourceProperties ? { OldResourceProperties } : {}),
      },
      {},
    );
    return responses.at(-1)!;
  };

  beforeAll(() => {
    jest.spyOn(console, 'log').mockImplementation(() => {});
    jest.doMock(
      '@aws-sdk/client-lambda',
      () => ({
        Lambda: class {
          async invoke(request: { FunctionName: string }) {
            invoked.push(request.FunctionName);
            requests.push(request);
            return failWith
              ? { StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify({ errorMessage: failWith })) }
              : { StatusCode: 200 };
          }
        },
      }),
      { virtual: true },
    );
    const entrypoint = require(join(handlers, 'core/nodejs-entrypoint-handler/index.js'));
    Object.assign(entrypoint.external, {
      userHandlerIndex: join(handlers, 'triggers/lambda/index.js'),
      log: () => {},
      sendHttpRequest: async (_request: unknown, body: string) => void responses.push(JSON.parse(body)),
    });
    provider = entrypoint;
  });
  afterAll(() => jest.restoreAllMocks());

  test('WHEN only what serves changed THEN the update invokes the verification and keeps the physical id (no delete of an old one follows)', async () => {
    expect(await call('Create', PROPERTIES)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'request-1' });
    invoked.length = 0;
    const changed = { ...PROPERTIES, Serving: ['4'], ServingDigest: '012169b7f6d68f2a' };
    expect(await call('Update', changed, PROPERTIES)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'request-1' });
    expect(invoked).toEqual([PROPERTIES.HandlerArn]);
  });

  test('WHEN the verification fails THEN so does the update, with its message, and CloudFormation rolls back', async () => {
    failWith = 'Deployment verification failed at step "ready": time budget of 600 s exhausted';
    try {
      const response = await call('Update', { ...PROPERTIES, ServingDigest: '012169b7f6d68f2a' }, PROPERTIES);
      expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'request-1' });
      expect(response.Reason).toContain(failWith);
    } finally {
      failWith = undefined;
    }
  });

  test('WHEN CloudFormation rolls a failed update back (an update with the old properties) THEN the verification is invoked again, without the request: the Lambda itself must find out that the stack is rolling back', async () => {
    const failed = { ...PROPERTIES, Serving: ['4'], ServingDigest: '012169b7f6d68f2a' };
    invoked.length = 0;
    requests.length = 0;
    expect(await call('Update', PROPERTIES, failed)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'request-1' });
    expect(invoked).toEqual([PROPERTIES.HandlerArn]);
    // No payload: neither the request type, nor the old properties, nor the stack reach the Lambda.
    expect(requests).toEqual([{ FunctionName: PROPERTIES.HandlerArn, InvocationType: 'RequestResponse' }]);
  });

  test('WHEN CloudFormation deletes the trigger THEN the verification is not invoked', async () => {
    invoked.length = 0;
    expect(await call('Delete', PROPERTIES)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'request-1' });
    expect(invoked).toEqual([]);
  });
});
