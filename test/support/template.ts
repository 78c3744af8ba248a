/** Small readers over a synthesized template, for assertions about the whole of a stage. */
import { Template } from 'aws-cdk-lib/assertions';

export type Resource = { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string; [k: string]: any };

/** A synthesized template, as the assertions library holds it or as plain JSON. */
export type AnyTemplate = Template | { Resources: Record<string, any> };

const json = (template: AnyTemplate): { Resources: Record<string, Resource> } => ('toJSON' in template ? template.toJSON() : template) as any;

export function resources(template: AnyTemplate, type: string): [string, Resource][] {
  return Object.entries(json(template).Resources).filter(([, r]) => r.Type === type);
}

export function only(template: Template, type: string): [string, Resource] {
  const found = resources(template, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** `Public`, `Private` or `Isolated`: the tier of a subnet, from the tag the VPC construct gives it. */
export function subnetTier(template: AnyTemplate, subnetRef: { Ref: string }): string {
  const subnet = json(template).Resources[subnetRef.Ref];
  return subnet.Properties.Tags.find((t: { Key: string }) => t.Key === 'aws-cdk:subnet-type').Value;
}

export interface Ingress {
  /** Logical id of the security group that admits the traffic. */
  readonly group: string;
  readonly from: string;
  readonly fromPort: number;
  readonly toPort: number;
}

const logicalIdOf = (ref: any): string => ref?.Ref ?? ref?.['Fn::GetAtt']?.[0] ?? JSON.stringify(ref);

/** Every ingress rule in the template, inline or standalone: who may reach which group on which ports. */
export function ingressRules(template: AnyTemplate): Ingress[] {
  const rules: Ingress[] = [];
  for (const [id, group] of resources(template, 'AWS::EC2::SecurityGroup')) {
    for (const rule of group.Properties.SecurityGroupIngress ?? []) {
      rules.push({ group: id, from: rule.CidrIp ?? rule.CidrIpv6 ?? logicalIdOf(rule.SourceSecurityGroupId), fromPort: rule.FromPort, toPort: rule.ToPort });
    }
  }
  for (const [, rule] of resources(template, 'AWS::EC2::SecurityGroupIngress')) {
    const p = rule.Properties;
    rules.push({ group: logicalIdOf(p.GroupId), from: p.CidrIp ?? p.CidrIpv6 ?? logicalIdOf(p.SourceSecurityGroupId), fromPort: p.FromPort, toPort: p.ToPort });
  }
  return rules;
}

/** User data as text, with each CloudFormation reference shown as `${LogicalId}` or `${LogicalId.Attr}`. */
export function userDataText(userData: any): string {
  const encoded = userData['Fn::Base64'];
  if (typeof encoded === 'string') return encoded;
  const join = encoded['Fn::Join'];
  return join[1]
    .map((part: any) =>
      typeof part === 'string' ? part : part.Ref ? `\${${part.Ref}}` : part['Fn::GetAtt'] ? `\${${part['Fn::GetAtt'].join('.')}}` : JSON.stringify(part),
    )
    .join(join[0]);
}

/** Every IAM policy statement attached to a role, across the role's inline and separate policies. */
export function statementsOf(template: AnyTemplate, roleLogicalId: string): any[] {
  const statements: any[] = [];
  for (const [, policy] of resources(template, 'AWS::IAM::Policy')) {
    if (policy.Properties.Roles.some((r: any) => r.Ref === roleLogicalId)) statements.push(...policy.Properties.PolicyDocument.Statement);
  }
  return statements;
}
