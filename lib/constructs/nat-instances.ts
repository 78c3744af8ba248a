/**
 * NAT instances: the cheaper way for the private subnets to reach the internet, built with
 * aws-cdk-lib's `NatProvider.instanceV2` (Amazon Linux 2023, source/destination check off, one
 * instance in the public subnet of each zone it is given) and hardened like every host here.
 */
import { createHash } from 'node:crypto';
import { Duration, Fn, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { SIGNALLING_PREAMBLE, signalWhenServing } from './host-signal';
import { allowSessionManager, amazonLinux2023, launchFromImageTemplate } from './web-host';

/** The one port the NAT instances forward: HTTPS, what the private tier's egress is (AWS APIs, the RDS certificate bundle). */
export const NAT_FORWARDED_PORT = 443;

/** Instance status checks failed in a row (one a minute) before the alarm reboots a NAT instance. */
export const NAT_REBOOT_AFTER_CHECKS = 3;

/** How long CloudFormation waits for a new NAT instance to report that it forwards. */
const NAT_SIGNAL_TIMEOUT = Duration.minutes(10);

/**
 * The instance's own script, in place of the provider's default: the same steps (iptables-services,
 * IP forwarding, masquerading out of the default route's interface, saved so a reboot keeps them),
 * but stopping at the first failure, masquerading only the VPC's addresses, and signalling
 * CloudFormation: the private subnets' routes, and every host behind them, wait for a NAT that works.
 */
function natScript(vpcCidr: string): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    ...SIGNALLING_PREAMBLE,
    'retry dnf install -y iptables-services',
    "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf",
    'sysctl -p /etc/sysctl.d/90-nat.conf',
    'systemctl enable --now iptables',
    "out=$(ip route show default | awk '{ print $5; exit }')",
    `iptables -t nat -A POSTROUTING -o "$out" -s ${vpcCidr} -j MASQUERADE`,
    // The service's stock rules reject forwarding; the security group decides what is forwarded.
    'iptables -F FORWARD',
    // The rules the iptables service loads at boot: a reboot keeps the NAT.
    'iptables-save > /etc/sysconfig/iptables',
  );
  return userData;
}

/**
 * Makes a change of `script` replace `instance`: a hash of the script is in its logical id, as
 * aws-cdk-lib's `userDataCausesReplacement` does, which the provider's instances do not take.
 * Updated in place, an instance whose user data changed is stopped and started, and EC2 does not run
 * changed user data at a start: every NAT instance would restart at once, with a new public
 * address, still running the old script. Under a new logical id CloudFormation creates each new
 * instance first, waits for its signal, points the routes at it, and deletes the old one last.
 *
 * The script names the instance's logical id and its stack (to signal it): while hashing, that id
 * is the one without the hash, and the stack's name, which no update changes, is left out, so the
 * same script has the same id in every stage.
 */
function replacedWhenChanged(instance: ec2.Instance, script: ec2.UserData): void {
  const cfnInstance = instance.node.defaultChild as ec2.CfnInstance;
  const original = Stack.of(instance).getLogicalId(cfnInstance);
  let hashing = false;
  cfnInstance.overrideLogicalId(
    Lazy.uncachedString({
      produce: (context) => {
        if (hashing) return original;
        hashing = true;
        try {
          const rendered = JSON.stringify(context.resolve(script.render())).replaceAll(Stack.of(instance).stackName, '<stack>');
          return `${original}${createHash('sha256').update(rendered).digest('hex').slice(0, 16)}`;
        } finally {
          hashing = false;
        }
      },
    }),
  );
}

export interface NatInstancesProps {
  readonly vpc: ec2.Vpc;
  /** The provider the VPC was built with ({@link NatInstances.provider}). */
  readonly provider: ec2.NatInstanceProviderV2;
  /** The instance type the provider was made for: its architecture picks the image. */
  readonly instanceType: string;
  /** The VPC's address range: what the instances admit and masquerade. */
  readonly vpcCidr: string;
}

/**
 * What each NAT instance gets once the VPC has made it:
 * - the image from a launch template resolved by EC2 at launch, so a new Amazon Linux image never
 *   replaces a NAT instance on deploy (the provider's default image is a deploy-time parameter);
 * - IMDSv2 only, an encrypted gp3 root volume, Session Manager and no key pair or SSH;
 * - a security group that admits HTTPS from the VPC only and sends HTTPS only;
 * - a creation signal once it forwards, so nothing behind it starts before it works;
 * - a new instance when its script changes, created and signalled before its routes move to it;
 * - an alarm that reboots it after failed instance status checks. A failed host is EC2's to move:
 *   simplified automatic recovery keeps its id and addresses, so its routes keep pointing at it.
 *
 * A NAT instance is one instance: while it is down, its zone has no egress (see `natProvider`).
 */
export class NatInstances extends Construct {
  /** The provider to build a VPC with: NAT instances of `instanceType`, admitting nothing until hardened. */
  static provider(instanceType: string): ec2.NatInstanceProviderV2 {
    const type = new ec2.InstanceType(instanceType);
    return ec2.NatProvider.instanceV2({
      instanceType: type,
      machineImage: amazonLinux2023(type),
      defaultAllowedTraffic: ec2.NatTrafficDirection.NONE,
      // Replaced per instance below: each one signals for itself.
      userData: ec2.UserData.forLinux(),
    });
  }

  readonly instances: ec2.Instance[];

  constructor(scope: Construct, id: string, props: NatInstancesProps) {
    super(scope, id);
    const group = props.provider.securityGroup;
    group.addIngressRule(ec2.Peer.ipv4(props.vpcCidr), ec2.Port.tcp(NAT_FORWARDED_PORT), 'HTTPS from the VPC, to forward');
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(NAT_FORWARDED_PORT), 'HTTPS to the internet, forwarded or its own');

    this.instances = props.provider.gatewayInstances;
    const image = amazonLinux2023(new ec2.InstanceType(props.instanceType));
    launchFromImageTemplate(this, this.instances, image, `${Stack.of(this).stackName}-nat-image`);
    for (const instance of this.instances) {
      const name = instance.node.scope?.node.id ?? instance.node.id;
      const cfnInstance = instance.node.defaultChild as ec2.CfnInstance;
      cfnInstance.metadataOptions = { httpTokens: 'required', httpEndpoint: 'enabled' };
      // No size: the root volume keeps the image's, encrypted.
      cfnInstance.blockDeviceMappings = [
        { deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true } },
      ];
      cfnInstance.cfnOptions.creationPolicy = { resourceSignal: { count: 1, timeout: NAT_SIGNAL_TIMEOUT.toIsoString() } };
      // Its script reaches dnf, and CloudFormation to signal: only once its own subnet's route to the internet exists.
      instance.node.addDependency(props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PUBLIC }).internetConnectivityEstablished);

      const script = natScript(props.vpcCidr);
      signalWhenServing(script, instance, instance.role);
      cfnInstance.userData = Fn.base64(script.render());
      replacedWhenChanged(instance, script);
      allowSessionManager(instance.role);

      new cloudwatch.Alarm(this, `${name}Reboot`, {
        alarmDescription: `Reboots the NAT instance of ${name} when its instance status check fails ${NAT_REBOOT_AFTER_CHECKS} minutes in a row`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/EC2',
          metricName: 'StatusCheckFailed_Instance',
          dimensionsMap: { InstanceId: instance.instanceId },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: NAT_REBOOT_AFTER_CHECKS,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      }).addAlarmAction(new actions.Ec2Action(actions.Ec2InstanceAction.REBOOT));

      Validations.of(instance).acknowledge(
        {
          id: 'AwsSolutions-EC28',
          reason:
            'Status checks, which the reboot alarm reads, are one-minute metrics without detailed monitoring; five-minute network metrics show a NAT filling up, and detailed monitoring would cost two thirds of the instance.',
        },
        {
          id: 'AwsSolutions-EC29',
          reason:
            'A NAT instance holds nothing: CloudFormation must be free to replace it, and the reboot alarm and EC2 recovery keep it running.',
        },
      );
    }
  }
}
