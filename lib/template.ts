/**
 * Reading a synthesized CloudFormation template: resources by type, what references what, and the
 * security group rules, as plain data. The stage comparison, the invariants and the tests all read
 * templates through this.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: any;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string | string[];
  readonly [key: string]: unknown;
}

export interface CfnTemplate {
  readonly Description?: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Parameters?: Record<string, unknown>;
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

/** The template Metadata keys under which a stage template carries its stage and the configuration it was built from. */
export const STAGE_METADATA = 'zero-to-millions:stage';
export const CONFIGURATION_METADATA = 'zero-to-millions:configuration';

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
export const refId = (value: any): string | undefined => value?.Ref ?? value?.['Fn::GetAtt']?.[0];

/** Every logical id referenced anywhere inside a value. */
export function referencedIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencedIds(v, found);
  else if (value && typeof value === 'object') {
    const id = refId(value);
    if (id && typeof id === 'string' && !id.startsWith('AWS::')) found.add(id);
    for (const v of Object.values(value)) referencedIds(v, found);
  }
  return found;
}

export function ofType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** A NAT instance: an EC2 instance that forwards others' traffic, so its source/destination check is off. */
export const isNatInstance = (r: CfnResource): boolean => r.Type === 'AWS::EC2::Instance' && r.Properties?.SourceDestCheck === false;

/** The NAT instances of a template. */
export const natInstances = (template: CfnTemplate): [string, CfnResource][] =>
  ofType(template, 'AWS::EC2::Instance').filter(([, r]) => isNatInstance(r));

/** The alarm that reboots an instance when its instance status check fails, if it has one. */
export function rebootAlarmOf(template: CfnTemplate, instanceId: string): [string, CfnResource] | undefined {
  return ofType(template, 'AWS::CloudWatch::Alarm').find(
    ([, a]) =>
      a.Properties?.MetricName === 'StatusCheckFailed_Instance' &&
      (a.Properties.Dimensions ?? []).some((d: any) => refId(d.Value) === instanceId) &&
      JSON.stringify(a.Properties.AlarmActions ?? []).includes(':ec2:reboot'),
  );
}

/** The EC2 instances that run the app (stages 1 and 2's single server): every instance but the NAT instances. */
export const serverInstances = (template: CfnTemplate): [string, CfnResource][] =>
  ofType(template, 'AWS::EC2::Instance').filter(([, r]) => !isNatInstance(r));

/** `Public`, `Private` or `Isolated`, from the tag the CDK VPC gives each subnet. */
export function subnetTier(template: CfnTemplate, subnet: unknown): string {
  const resource = template.Resources[refId(subnet) ?? ''];
  return resource?.Properties?.Tags?.find((t: { Key: string }) => t.Key === 'aws-cdk:subnet-type')?.Value ?? 'unknown';
}

export function subnetZone(template: CfnTemplate, subnet: unknown): string {
  return template.Resources[refId(subnet) ?? '']?.Properties?.AvailabilityZone ?? 'unknown';
}

/** The zones of the private subnets (the web tier's), whose egress goes through NAT. */
export function privateZones(template: CfnTemplate): Set<string> {
  return new Set(
    ofType(template, 'AWS::EC2::Subnet')
      .filter(([id]) => subnetTier(template, { Ref: id }) === 'Private')
      .map(([id]) => subnetZone(template, { Ref: id })),
  );
}

export interface Ingress {
  /** Logical id of the security group that admits the traffic. */
  readonly group: string;
  /** A CIDR, the logical id of the source security group, or `prefix list <name>`. */
  readonly from: string;
  readonly fromPort: number;
  readonly toPort: number;
  /** The name of the managed prefix list the rule admits, when it admits one (found by a lookup in the template). */
  readonly prefixList?: string;
}

/** The name of the prefix list a rule's `SourcePrefixListId` names: a literal id, or the name a lookup resource searches for. */
function prefixListName(template: CfnTemplate, id: unknown): string | undefined {
  if (id === undefined) return undefined;
  if (typeof id === 'string') return id;
  const lookup = template.Resources[refId(id) ?? '']?.Properties?.Create;
  const name = typeof lookup === 'string' ? /"prefix-list-name","Values":\["([^"]+)"\]/.exec(lookup)?.[1] : undefined;
  return name ?? JSON.stringify(id);
}

/** Every ingress rule, inline or standalone: who may reach which group on which ports. */
export function ingressRules(template: CfnTemplate): Ingress[] {
  const rule = (group: string, r: any): Ingress => {
    const prefixList = prefixListName(template, r.SourcePrefixListId);
    return {
      group,
      from:
        r.CidrIp ??
        r.CidrIpv6 ??
        (prefixList ? `prefix list ${prefixList}` : (refId(r.SourceSecurityGroupId) ?? JSON.stringify(r.SourceSecurityGroupId))),
      fromPort: r.FromPort,
      toPort: r.ToPort,
      ...(prefixList ? { prefixList } : {}),
    };
  };
  return [
    ...ofType(template, 'AWS::EC2::SecurityGroup').flatMap(([id, group]) =>
      (group.Properties?.SecurityGroupIngress ?? []).map((r: any) => rule(id, r)),
    ),
    ...ofType(template, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => rule(refId(r.Properties.GroupId) ?? '', r.Properties)),
  ];
}

/**
 * User data as text, with each reference shown as `${LogicalId}` or `${LogicalId.Attribute}`; the
 * parts of multipart user data are shown decoded, as the instance runs them.
 */
export function userDataText(userData: any): string {
  const render = (part: any): string => {
    if (typeof part === 'string') return part;
    if (part?.Ref) return `\${${part.Ref}}`;
    if (part?.['Fn::GetAtt']) return `\${${part['Fn::GetAtt'].join('.')}}`;
    if (part?.['Fn::Base64'] !== undefined) return render(part['Fn::Base64']);
    if (part?.['Fn::Join']) return part['Fn::Join'][1].map(render).join(part['Fn::Join'][0]);
    return JSON.stringify(part);
  };
  return userData === undefined ? '' : render(userData);
}

/** An Aurora cluster's instances: the writer (promotion tier 0) and the readers, each with its zone. */
export function clusterInstances(
  template: CfnTemplate,
  clusterId: string,
): { writer?: string; readers: string[]; zoneOf: (id: string) => string } {
  const members = ofType(template, 'AWS::RDS::DBInstance')
    .filter(([, r]) => refId(r.Properties?.DBClusterIdentifier) === clusterId)
    .sort(([, a], [, b]) => Number(a.Properties.PromotionTier ?? 1) - Number(b.Properties.PromotionTier ?? 1));
  return {
    writer: members[0]?.[0],
    readers: members.slice(1).map(([id]) => id),
    zoneOf: (id) => template.Resources[id]?.Properties?.AvailabilityZone ?? 'any zone',
  };
}

/**
 * The launch template an Auto Scaling group launches from, directly or through its mixed instances
 * policy (stage 6's Spot tier), and the instance types it may launch.
 */
export function launchTemplateOf(template: CfnTemplate, groupId: string): { id?: string; data: any; instanceTypes: string[] } {
  const p = template.Resources[groupId]?.Properties ?? {};
  const mixed = p.MixedInstancesPolicy?.LaunchTemplate;
  const id = refId((mixed?.LaunchTemplateSpecification ?? p.LaunchTemplate)?.LaunchTemplateId);
  const data = template.Resources[id ?? '']?.Properties?.LaunchTemplateData ?? {};
  const overrides: string[] = (mixed?.Overrides ?? []).map((o: any) => o.InstanceType).filter(Boolean);
  return { id, data, instanceTypes: overrides.length > 0 ? overrides : [data.InstanceType].filter(Boolean) };
}

/** The IAM role ids a web tier runs as: through an instance profile, or a task role. */
export function rolesOf(template: CfnTemplate, id: string): string[] {
  const resource = template.Resources[id];
  if (!resource) return [];
  const profileRoles = (profile: unknown) => (template.Resources[refId(profile) ?? '']?.Properties?.Roles ?? []).map(refId);
  switch (resource.Type) {
    case 'AWS::EC2::Instance':
      return profileRoles(resource.Properties.IamInstanceProfile);
    case 'AWS::AutoScaling::AutoScalingGroup':
      return profileRoles(launchTemplateOf(template, id).data.IamInstanceProfile?.Arn);
    case 'AWS::ECS::Service': {
      const task = template.Resources[refId(resource.Properties.TaskDefinition) ?? ''];
      return [refId(task?.Properties?.TaskRoleArn)].filter((r): r is string => r !== undefined);
    }
    default:
      return [];
  }
}

/** The security groups a web tier runs in. */
export function groupsOf(template: CfnTemplate, id: string): string[] {
  const resource = template.Resources[id];
  switch (resource?.Type) {
    case 'AWS::EC2::Instance':
      return (resource.Properties.SecurityGroupIds ?? []).map(refId);
    case 'AWS::AutoScaling::AutoScalingGroup':
      return (launchTemplateOf(template, id).data.SecurityGroupIds ?? []).map(refId);
    case 'AWS::ECS::Service':
      return (resource.Properties.NetworkConfiguration?.AwsvpcConfiguration?.SecurityGroups ?? []).map(refId);
    default:
      return [];
  }
}

/**
 * The template without what the CDK toolkit adds for itself: the version-reporting resource and
 * each resource's construct-path metadata. They differ between `cdk synth` and an in-process
 * synth, and say nothing about the architecture.
 */
export function withoutToolkitMetadata(template: CfnTemplate): CfnTemplate {
  const resources = Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type !== 'AWS::CDK::Metadata')
      .map(([id, { Metadata: _metadata, ...rest }]) => [id, rest as CfnResource]),
  );
  return { ...template, Resources: resources };
}

/** The web app's settings in a template: each host's user data, or each container's environment, as `NAME=value` lines. */
export function webAppSettings(t: CfnTemplate): string[] {
  return [
    ...serverInstances(t).map(([, r]) => userDataText(r.Properties.UserData)),
    // Not the template the NAT instances take their image from: it runs no app.
    ...ofType(t, 'AWS::EC2::LaunchTemplate')
      .filter(([id]) => !natInstances(t).some(([, nat]) => refId(nat.Properties.LaunchTemplate?.LaunchTemplateId) === id))
      .map(([, r]) => userDataText(r.Properties.LaunchTemplateData?.UserData))
      .filter((text) => text.length > 0),
    ...ofType(t, 'AWS::ECS::TaskDefinition').flatMap(([, task]) =>
      (task.Properties.ContainerDefinitions ?? []).map((c: any) =>
        (c.Environment ?? []).map((v: any) => `${v.Name}=${typeof v.Value === 'string' ? v.Value : JSON.stringify(v.Value)}`).join('\n'),
      ),
    ),
  ];
}

/** Where a template's web app keeps sessions: `memory` (each process its own) unless told of a shared store. */
export function sessionStoreOf(t: CfnTemplate): string {
  const stores = new Set(webAppSettings(t).map((s) => /^SESSION_STORE=(\w+)$/m.exec(s)?.[1] ?? 'memory'));
  return stores.size === 1 ? [...stores][0] : [...stores].sort().join(' and ');
}
