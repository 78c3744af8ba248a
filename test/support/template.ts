/** Small readers over a synthesized template, for assertions about the whole of a stage. */
import { Template } from 'aws-cdk-lib/assertions';
import * as reader from '../../lib/compare/template';

export { userDataText } from '../../lib/compare/template';
export type { Ingress } from '../../lib/compare/template';

export type Resource = { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string; [k: string]: any };

/** A synthesized template, as the assertions library holds it or as plain JSON. */
export type AnyTemplate = Template | { Resources: Record<string, any> };

const json = (template: AnyTemplate): reader.CfnTemplate => ('toJSON' in template ? template.toJSON() : template) as reader.CfnTemplate;

export function resources(template: AnyTemplate, type: string): [string, Resource][] {
  return reader.ofType(json(template), type) as [string, Resource][];
}

export function only(template: AnyTemplate, type: string): [string, Resource] {
  const found = resources(template, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** `Public`, `Private` or `Isolated`: the tier of a subnet, from the tag the VPC construct gives it. */
export const subnetTier = (template: AnyTemplate, subnetRef: { Ref: string }): string => reader.subnetTier(json(template), subnetRef);

/** Every ingress rule in the template, inline or standalone: who may reach which group on which ports. */
export const ingressRules = (template: AnyTemplate): reader.Ingress[] => reader.ingressRules(json(template));

/** Every IAM policy statement attached to a role, across the role's inline and separate policies. */
export function statementsOf(template: AnyTemplate, roleLogicalId: string): any[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((r: any) => r.Ref === roleLogicalId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}
