import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { atEveryBoot, hostInstallScript } from './host-install';
import { SIGNAL_TIMEOUT, signalWhenServing } from './host-signal';
import { HARD_CODED_ZONES } from './network';
import { WEB_APP_PORT, WebAppBundle, type WebAppProps } from './web-app';
import { launchFromImageTemplate, webHostSettings } from './web-host';

export interface SingleWebServerProps {
  readonly vpc: ec2.IVpc;
  /** The vertical knob: the one instance's type, such as `t3.small`. */
  readonly instanceType: string;
  /** The web app it runs. */
  readonly app: WebAppProps;
  /** Run PostgreSQL and Valkey on the same instance (stage 1). @default false */
  readonly localDataServices?: boolean;
  /**
   * The instance holds data that would be lost with it (stage 1: the database lives on it): a
   * change of user data does not replace it, and with `deletionProtection` no stack operation
   * deletes it.
   */
  readonly holdsData: boolean;
  /**
   * For an instance that holds data: deleting the stack or replacing the instance keeps it
   * (CloudFormation `RetainExceptOnCreate`), while a failed first creation still rolls back.
   */
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
    const script = hostInstallScript(this, props.app, { localDataServices: props.localDataServices });
    const subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PUBLIC });
    this.instance = new ec2.Instance(this, 'Instance', {
      ...settings,
      httpTokens: ec2.HttpTokens.REQUIRED,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.securityGroup,
      userData: props.holdsData ? atEveryBoot(script) : script,
      userDataCausesReplacement: !props.holdsData,
      // Termination protection would also stop CloudFormation from deleting an instance whose first
      // boot failed, leaving the stack in ROLLBACK_FAILED; the deletion policy below protects the data instead.
      disableApiTermination: false,
      resourceSignalTimeout: SIGNAL_TIMEOUT,
    });
    // The install script reaches dnf, S3 and CloudFormation: only once the subnet's route to the internet exists.
    this.instance.node.addDependency(subnets.internetConnectivityEstablished);
    if (props.holdsData && props.deletionProtection) this.instance.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    launchFromImageTemplate(this, [this.instance], settings.machineImage);
    signalWhenServing(script, this.instance, this.instance.role);
    WebAppBundle.of(this).grantRead(this.instance);
    this.grantPrincipal = this.instance.grantPrincipal;
    Validations.of(this.instance).acknowledge(HARD_CODED_ZONES, {
      id: 'AwsSolutions-EC29',
      reason: props.holdsData
        ? props.deletionProtection
          ? 'The instance holds the database: its deletion policy (RetainExceptOnCreate) keeps it when the stack is deleted or it is replaced, while termination protection would block the rollback of a failed first boot.'
          : 'Deletion protection is off because deletionProtection is false in the configuration (done before destroying the stage).'
        : 'The web server holds no data (the data tier does); it must be replaceable when its launch settings change.',
    });

    this.elasticIp = new ec2.CfnEIP(this, 'ElasticIp', { domain: 'vpc', instanceId: this.instance.instanceId });
  }
}
