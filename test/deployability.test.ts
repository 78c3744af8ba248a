/**
 * The offline proof that templates deploy and pass the security checks: every stage × option
 * combination synthesizes with aws-cdk-lib's built-in CloudFormation validation and cdk-nag's
 * AwsSolutions checks on, and reports no unacknowledged finding. The control cases show that a
 * finding really fails synth, so these tests can fail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { buildStacks, COMBINATIONS } from './support/app';

interface Violation {
  readonly ruleName: string;
  readonly severity?: string;
}

/** Synthesizes and returns the findings of the validation report, or the error synth threw. */
function synthWithChecks(build: () => ReturnType<typeof buildStacks>): { threw: boolean; findings: string[] } {
  const { app } = build();
  let threw = false;
  const silence = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    app.synth();
  } catch {
    threw = true;
  } finally {
    silence.mockRestore();
  }
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
  const findings = report.pluginReports.flatMap((plugin: { pluginName: string; violations: Violation[] }) =>
    plugin.violations.map((v) => `${plugin.pluginName}: ${v.ruleName} (${v.severity ?? 'error'})`),
  );
  return { threw, findings };
}

describe.each(COMBINATIONS.map((c) => [c.name, c] as const))('%s', (_name, { stage, overrides }) => {
  test('passes CloudFormation validation and cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const result = synthWithChecks(() => buildStacks({ ...overrides, stages: String(stage) }, { nag: true, validation: true }));
    expect(result).toEqual({ threw: false, findings: [] });
  });
});

test('the deletionProtection=false variants carry their own acknowledgements and pass too', () => {
  for (const dataStore of ['rds', 'dynamodb']) {
    const result = synthWithChecks(() => buildStacks({ dataStore, deletionProtection: 'false' }, { nag: true, validation: true }));
    expect([dataStore, result]).toEqual([dataStore, { threw: false, findings: [] }]);
  }
});

describe('control: the checks really fail synth', () => {
  test('an unacknowledged cdk-nag finding fails synth', () => {
    const result = synthWithChecks(() => {
      const built = buildStacks({ stages: '1' }, { nag: true, validation: false });
      const group = new ec2.SecurityGroup(built.stacks[0], 'WideOpen', { vpc: ec2.Vpc.fromVpcAttributes(built.stacks[0], 'Imported', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'] }) });
      group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
      return built;
    });
    expect(result.threw).toBe(true);
    expect(result.findings).toContain('AwsSolutions: AwsSolutions-EC23 (error)');
  });

  test('a property CloudFormation does not know fails synth', () => {
    const result = synthWithChecks(() => {
      const built = buildStacks({ stages: '1' }, { nag: false, validation: true });
      const eip = built.stacks[0].node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EC2::EIP')!;
      eip.addPropertyOverride('NotAProperty', true);
      return built;
    });
    expect(result.threw).toBe(true);
    expect(result.findings).toContain('CloudFormation Validate: F3002 (error)');
  });
});
