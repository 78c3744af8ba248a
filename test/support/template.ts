/** Small readers over a synthesized template, for assertions about the whole of a stage or construct. */
import * as reader from '../../lib/template';

export type { CfnTemplate, Ingress } from '../../lib/template';
export { ingressRules, subnetTier, userDataText } from '../../lib/template';

/** A resource as the assertions read it: any of its attributes, any depth. */
export type Resource = { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string; [attribute: string]: any };

export function resources(template: reader.CfnTemplate, type: string): [string, Resource][] {
  return reader.ofType(template, type) as [string, Resource][];
}

export function only(template: reader.CfnTemplate, type: string): [string, Resource] {
  const found = resources(template, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}: ${found.map(([id]) => id).join(', ')}`);
  return found[0];
}

/** The resources of a type whose properties match `properties` (as jest's toMatchObject does). */
export function matching(template: reader.CfnTemplate, type: string, properties: object): [string, Resource][] {
  return resources(template, type).filter(([, r]) => {
    try {
      expect(r.Properties).toMatchObject(properties);
      return true;
    } catch {
      return false;
    }
  });
}

/** Every IAM policy statement attached to a role, across the role's inline and separate policies. */
export function statementsOf(template: reader.CfnTemplate, roleLogicalId: string): any[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((r: any) => r.Ref === roleLogicalId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at. */
export const idOf = (value: unknown): string => reader.refId(value) ?? '';
