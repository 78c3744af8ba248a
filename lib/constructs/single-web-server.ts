import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HARD_CODED_ZONES } from './network';
import { SIGNAL_TIMEOUT, signalWhenServing, WEB_APP_PORT, WebAppBundle, WebAppProps, webAppUserData } from './web-app';
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

/**
 * User data whose script runs at every boot, not only the first. An instance that holds data is
 * not replaced when its user data changes: CloudFormation stops and starts it, and the (idempotent)
 * script then installs what changed, such as a new bundle of the web app.
 */
function atEveryBoot(script: ec2.UserData): ec2.UserData {
  const userData = new ec2.MultipartUserData();
  userData.addPart(ec2.MultipartBody.fromRawBody({ contentType: 'text/cloud-config; charset="utf-8"', body: 'cloud_final_modules:\n- [scripts-user, always]\n' }));
  userData.addUserDataPart(script, ec2.MultipartBody.SHELL_SCRIPT, true);
  return userData;
}

export interface SingleWebServerProps {
  readonly vpc: ec2.IVpc;
  /** The vertical knob: the one instance's type, such as `t3.small`. */
  readonly instanceType: string;
  /** The web app it runs. */
  readonly app: WebAppProps;
  /** Run PostgreSQL and Redis on the same instance (stage 1). @default false */
  readonly localDataServices?: boolean;
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
    const script = webAppUserData(this, props.app, { localDataServices: props.localDataServices });
    this.instance = new ec2.Instance(this, 'Instance', {
      ...settings,
      httpTokens: ec2.HttpTokens.REQUIRED,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.securityGroup,
      userData: props.holdsData ? atEveryBoot(script) : script,
      userDataCausesReplacement: !props.holdsData,
      disableApiTermination: props.holdsData && props.deletionProtection,
      resourceSignalTimeout: SIGNAL_TIMEOUT,
    });
    launchFromImageTemplate(this, this.instance, settings.machineImage);
    signalWhenServing(script, this.instance, this.instance.role);
    WebAppBundle.of(this).grantRead(this.instance);
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
