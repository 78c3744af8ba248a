import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * The hardening every web host gets, whether it is stage 1's single server or one instance of
 * stage 3's Auto Scaling group: Amazon Linux 2023 for the instance's architecture, IMDSv2 only,
 * an encrypted gp3 root volume, detailed monitoring, and operator access through SSM Session
 * Manager only (no key pair, no SSH port).
 *
 * The settings are the props `ec2.Instance` and `ec2.LaunchTemplate` share, so both read them
 * from one place. IMDSv2 is required by each in its own way (`httpTokens` on an instance,
 * `requireImdsv2` on a launch template), as the two props have different types.
 */
export interface WebHostSettings {
  readonly instanceType: ec2.InstanceType;
  readonly machineImage: ec2.IMachineImage;
  readonly blockDevices: ec2.BlockDevice[];
  readonly detailedMonitoring: true;
  readonly role: iam.IRole;
}

export const ROOT_VOLUME_GIB = 20;

export function webHostSettings(scope: Construct, instanceType: string): WebHostSettings {
  const type = new ec2.InstanceType(instanceType);
  return {
    instanceType: type,
    machineImage: amazonLinux2023(type),
    blockDevices: [
      {
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(ROOT_VOLUME_GIB, {
          encrypted: true,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      },
    ],
    detailedMonitoring: true,
    role: webHostRole(scope),
  };
}

/**
 * The latest Amazon Linux 2023 image for the instance's architecture, resolved by EC2 when an
 * instance launches rather than by CloudFormation at each deploy. A deploy after AWS publishes a new
 * image therefore does not replace stage 1's instance (and the database on it) or roll stage 3's
 * group; new images arrive as instances are replaced.
 */
export function amazonLinux2023(type: ec2.InstanceType): ec2.IMachineImage {
  const arch = type.architecture === ec2.InstanceArchitecture.ARM_64 ? 'arm64' : 'x86_64';
  return ec2.MachineImage.resolveSsmParameterAtLaunch(`/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`, {
    os: ec2.OperatingSystemType.LINUX,
  });
}

/**
 * Takes instances' image from a launch template that holds only the image, resolved by EC2 at
 * launch. CloudFormation's schema does not accept `resolve:ssm:` as an instance's own ImageId, and a
 * deploy-time image parameter would replace the instance whenever AWS publishes a new image. The
 * template never changes, so its version never does, and the instances are not replaced.
 *
 * A stack with launch templates of its own gives this one a name: cdk-nag matches unnamed templates
 * to their users by name, and would read another's block devices.
 */
export function launchFromImageTemplate(
  scope: Construct,
  instances: readonly ec2.Instance[],
  image: ec2.IMachineImage,
  launchTemplateName?: string,
): void {
  const template = new ec2.LaunchTemplate(scope, 'ImageTemplate', { machineImage: image, requireImdsv2: true, launchTemplateName });
  for (const instance of instances) {
    const cfnInstance = instance.node.defaultChild as ec2.CfnInstance;
    cfnInstance.addPropertyDeletionOverride('ImageId');
    cfnInstance.launchTemplate = { launchTemplateId: template.launchTemplateId, version: template.latestVersionNumber };
  }
}

/** The policy AWS maintains for Session Manager, with the reason a host takes it rather than a copy. */
export function allowSessionManager(role: iam.IRole): void {
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    reason:
      'AmazonSSMManagedInstanceCore is the policy AWS maintains for Session Manager, the only way operators reach this host (no SSH); a hand-copied version would drift from what the SSM agent needs.',
  });
}

/** The instance role: Session Manager access and nothing else; callers grant what the app needs. */
function webHostRole(scope: Construct): iam.Role {
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description: 'Web host: SSM Session Manager for operators, plus the grants of the data tier it uses',
  });
  allowSessionManager(role);
  return role;
}
