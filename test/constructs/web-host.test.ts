/** The hardening every web host gets (lib/constructs/web-host.ts). */
import { fixtureTemplate, templateOf } from '../support/synth-cache';
import { only, resources } from '../support/template';

const template = fixtureTemplate('single-web-server/holds-data');
const [, instance] = only(template, 'AWS::EC2::Instance');

test('IMDSv2 only, an encrypted gp3 root volume, detailed monitoring, no key pair', () => {
  expect(instance.Properties).toMatchObject({
    MetadataOptions: { HttpTokens: 'required' },
    BlockDeviceMappings: [
      { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 20, VolumeType: 'gp3' } },
    ],
    Monitoring: true,
  });
  expect(instance.Properties.KeyName).toBeUndefined();
});

test('operators reach it through Session Manager: the role carries the AWS managed policy for it', () => {
  const role = only(template, 'AWS::IAM::InstanceProfile')[1].Properties.Roles[0].Ref;
  expect(template.Resources[role].Properties).toMatchObject({
    AssumeRolePolicyDocument: { Statement: [expect.objectContaining({ Principal: { Service: 'ec2.amazonaws.com' } })] },
    ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
  });
});

test("the image is resolved by EC2 at launch, so a new Amazon Linux release never replaces the host (and stage 1's database) on a later deploy", () => {
  expect(instance.Properties.ImageId).toBeUndefined();
  const launchTemplate = template.Resources[instance.Properties.LaunchTemplate.LaunchTemplateId.Ref];
  expect(launchTemplate.Properties.LaunchTemplateData.ImageId).toBe(
    'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  );
  // No deploy-time image parameter, whose new value would replace the instance.
  expect(Object.keys(templateOf(1).Parameters ?? {})).toEqual(['BootstrapVersion']);
});

test('a launch template of the Auto Scaling tier gets the same image, resolved at launch', () => {
  const [, launch] = resources(templateOf(3), 'AWS::EC2::LaunchTemplate').find(([id]) => id.startsWith('AutoScalingWebTier'))!;
  expect(launch.Properties.LaunchTemplateData.ImageId).toBe(
    'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  );
});
