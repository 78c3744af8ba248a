/**
 * The checks that prove a template deploys and is secure — aws-cdk-lib's built-in CloudFormation
 * validation and cdk-nag's AwsSolutions pack — run over every stage × option combination in the
 * invariants tests (test/invariants-*.test.ts). These control cases show that a finding really
 * fails synth and is reported, so those tests can fail.
 */
import { CfnResource } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { buildStacks } from './support/app';
import { synthReport } from './support/matrix';

const synthWithChecks = (build: () => ReturnType<typeof buildStacks>) => synthReport(build().app);

describe('control: the checks really fail synth', () => {
  test('an unacknowledged cdk-nag finding fails synth', () => {
    const result = synthWithChecks(() => {
      const built = buildStacks({ stages: '1' }, { nag: true, validation: false });
      const group = new ec2.SecurityGroup(built.stacks[0], 'WideOpen', { vpc: ec2.Vpc.fromVpcAttributes(built.stacks[0], 'Imported', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'] }) });
      group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
      return built;
    });
    expect(result.threw).toBe(true);
    expect(result.findings).toContainEqual(expect.stringMatching(/^AwsSolutions AwsSolutions-EC23 at Stage1-SingleServer\/WideOpen/));
  });

  test('a property CloudFormation does not know fails synth', () => {
    const result = synthWithChecks(() => {
      const built = buildStacks({ stages: '1' }, { nag: false, validation: true });
      const eip = built.stacks[0].node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EC2::EIP')!;
      eip.addPropertyOverride('NotAProperty', true);
      return built;
    });
    expect(result.threw).toBe(true);
    expect(result.findings).toContainEqual(expect.stringMatching(/^CloudFormation Validate F3002 at Stage1-SingleServer\/Server\/ElasticIp/));
  });
});
