import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HARD_CODED_ZONES } from './network';
import { SIGNAL_TIMEOUT, signalWhenServing, WEB_APP_PORT } from './web-app';
import { webHostSettings } from './web-host';

/**
 * Takes the instance's image from a launch template that holds only the image, resolved by EC2 at
 * launch. CloudFormation's schema does not accept `resolve:ssm:` as an instance's own ImageId, and a
 * deploy-time image parameter would replace the instance whenever AWS publishes a new image. The
 * template never changes, so its version never does, and the instance is not replaced.
 */
function launchFromImageTemplate(scope: Construct, instance: ec2.Instance, image: ec2.IMachineImage): void {
  const template = new ec2.LaunchTemplate(scope, 'ImageTemplate', { machineImage: image, requireImdsv2: true });
  const cfnInstance = instance.node.defaultChild as ec2.CfnInstance;
  cfnInstance.addPropertyDeletionOverride('ImageId');
  cfnInstance.launchTemplate = { launchTemplateId: template.launchTemplateId, version: template.latestVersionNumber };
}

export interface SingleWebServerProps {
  readonly vpc: ec2.IVpc;
  /** The vertical knob: the one instance's type, such as `t3.small`. */
  readonly instanceType: string;
  readonly userData: ec2.UserData;
  /**
   * The instance holds data that would be lost with it (stage 1: the database lives on it):
   * termination protection is on when `deletionProtection` is, and a change of user data does
   * not replace it.
   */
  readonly holdsData: boolean;
  /** Termination protection, for an instance that holds data. */
  readonly deletionProtection: boolean;
}

/**
 * One hardened web server in a public subnet with an Elastic IP, so that DNS can point at a
 * stable address. Port 80 is the only port open to the world. Operators use Session Manager.
 *
 * This is the single point of failure stages 1 and 2 live with: when the instance or its zone
 * fails, the API is down until it is replaced.
 */
export class SingleWebServer extends Construct implements ec2.IConnectable, iam.IGrantable {
  readonly instance: ec2.Instance;
  readonly securityGroup: ec2.SecurityGroup;
  readonly elasticIp: ec2.CfnEIP;
  readonly connections: ec2.Connections;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: SingleWebServerProps) {
    super(scope, id);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Single web server: HTTP from anywhere, nothing else`,
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(WEB_APP_PORT), 'HTTP from the internet');
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'Stages 1 and 2 have no load balancer: the single web server is what the public reaches, on port 80 only.',
    });
    this.connections = this.securityGroup.connections;

    const settings = webHostSettings(this, props.instanceType);
    this.instance = new ec2.Instance(this, 'Instance', {
      ...settings,
      httpTokens: ec2.HttpTokens.REQUIRED,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.securityGroup,
      userData: props.userData,
      userDataCausesReplacement: !props.holdsData,
      disableApiTermination: props.holdsData && props.deletionProtection,
      resourceSignalTimeout: SIGNAL_TIMEOUT,
    });
    launchFromImageTemplate(this, this.instance, settings.machineImage);
    signalWhenServing(props.userData, this.instance, this.instance.role);
    this.grantPrincipal = this.instance.grantPrincipal;
    Validations.of(this.instance).acknowledge(HARD_CODED_ZONES);
    if (!(props.holdsData && props.deletionProtection)) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-EC29',
        reason: props.holdsData
          ? 'Termination protection is off because deletionProtection is false in the configuration (done before destroying the stage).'
          : 'The web server holds no data (the data tier does); it must be replaceable when its launch settings change.',
      });
    }

    this.elasticIp = new ec2.CfnEIP(this, 'ElasticIp', { domain: 'vpc', instanceId: this.instance.instanceId });
  }
}
