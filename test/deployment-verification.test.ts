import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStacks, templateOf } from './support/app';
import { only, resources, statementsOf } from './support/template';

describe.each([
  ['Stage1-SingleServer', 1, {}, 'ip'],
  ['Stage2-SeparateData', 2, {}, 'ip'],
  ['Stage3-LoadBalanced webTier=ec2', 3, {}, 'alias'],
  ['Stage3-LoadBalanced webTier=ecs https=false', 3, { webTier: 'ecs', https: 'false' }, 'alias'],
] as const)('%s', (_name, stage, overrides, kind) => {
  const template = templateOf(stage, overrides);
  const [functionId, fn] = resources(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('VerificationFunction'))!;
  const [, trigger] = only(template, 'Custom::Trigger');

  test('a trigger runs the verification Lambda after the record and the web tier exist', () => {
    const [recordId] = only(template, 'AWS::Route53::RecordSet');
    const webTier =
      stage === 3
        ? [...resources(template, 'AWS::AutoScaling::AutoScalingGroup'), ...resources(template, 'AWS::ECS::Service')].map(([id]) => id)
        : resources(template, 'AWS::EC2::Instance').map(([id]) => id);
    expect(trigger.DependsOn).toEqual(expect.arrayContaining([recordId, ...webTier]));
    if (stage === 3) expect(trigger.DependsOn).toEqual(expect.arrayContaining(resources(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([id]) => id)));
    // The trigger invokes the current version of the verification function.
    const version = template.toJSON().Resources[trigger.Properties.HandlerArn.Ref];
    expect(version).toMatchObject({ Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: functionId } } });
  });

  test('the Lambda checks the stage record, through its own target, within a time budget', () => {
    const env = fn.Properties.Environment.Variables;
    expect(env).toMatchObject({
      HOSTED_ZONE_ID: 'Z0000000000000EXAMPLE',
      RECORD_NAME: 'api.example.com',
      SET_IDENTIFIER: template.toJSON().Resources[only(template, 'AWS::Route53::RecordSet')[0]].Properties.SetIdentifier,
      WEIGHT: '100',
      TARGET_KIND: kind,
      BUDGET_SECONDS: '600',
    });
    const scheme = stage === 3 && (overrides as { https?: string }).https !== 'false' ? 'https' : 'http';
    const host = kind === 'ip' ? { Ref: only(template, 'AWS::EC2::EIP')[0] } : { 'Fn::GetAtt': [only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0], 'DNSName'] };
    expect(env.HEALTH_URL).toEqual({ 'Fn::Join': ['', [`${scheme}://`, host, '/healthz']] });
    expect(env.TARGET).toEqual(host);
    expect(fn.Properties.Timeout).toBe(720);
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
  });

  test('its role allows exactly the calls it makes, scoped to the zone and this record where the API allows', () => {
    const statements = statementsOf(template, fn.Properties.Role['Fn::GetAtt'][0]).filter((s) => JSON.stringify(s.Action).includes('route53'));
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
      { Action: 'route53:GetChange', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::change/*']] } },
      { Action: 'route53:TestDNSAnswer', Effect: 'Allow', Resource: '*' },
    ]);
    expect(fn.Properties.Role).toBeDefined();
    expect(template.toJSON().Resources[fn.Properties.Role['Fn::GetAtt'][0]].Properties.ManagedPolicyArns).toBeUndefined();
  });
});

test('verifyDeployment=false leaves the Lambda and the trigger out', () => {
  for (const stage of [1, 2, 3] as const) {
    const template = templateOf(stage, { verifyDeployment: 'false' });
    expect(resources(template, 'Custom::Trigger')).toEqual([]);
    expect(resources(template, 'AWS::Lambda::Function').map(([id]) => id).filter((id) => id.startsWith('Verification'))).toEqual([]);
  }
});

test('the Lambda is bundled by the local esbuild, never by Docker', () => {
  // A docker that records being called, first on the PATH: bundling must not reach it.
  const bin = mkdtempSync(join(tmpdir(), 'no-docker-'));
  const marker = join(bin, 'docker-was-called');
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\ntouch ${marker}\nexit 1\n`);
  chmodSync(join(bin, 'docker'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    const { app } = buildStacks({ stages: '1' }, { bundling: true });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((f) => f.startsWith('asset.'));
    const bundle = assets.map((a) => join(assembly.directory, a, 'index.js')).find((f) => existsSync(f) && readFileSync(f, 'utf8').includes('Deployment verification failed'));
    expect(bundle).toBeDefined();
    const code = readFileSync(bundle!, 'utf8');
    expect(code).toContain('require("@aws-sdk/client-route-53")'); // the runtime provides the SDK
    expect(code.length).toBeLessThan(20_000);
    expect(existsSync(marker)).toBe(false);
    expect(execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'esbuild'), ['--version']).toString().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  } finally {
    process.env.PATH = path;
  }
});
