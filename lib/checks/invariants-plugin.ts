import { readFileSync } from 'node:fs';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';
import type { CfnTemplate } from '../template';
import { INVARIANTS, subjectOf } from './invariants';

/**
 * The invariants (./invariants.ts) as a validation plugin beside cdk-nag, so `cdk synth` itself
 * refuses a template that breaks one, for any configuration, not only the ones the tests build.
 * A violation is an error; there is nothing to acknowledge: an invariant that does not hold is a
 * bug in a construct.
 */
export class InvariantsPlugin implements IPolicyValidationPlugin {
  static readonly NAME = 'zero-to-millions invariants';
  readonly name = InvariantsPlugin.NAME;
  readonly ruleIds = INVARIANTS.map((i) => i.id);

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = [];
    for (const { templatePath, stackConstructPath } of context.stackTemplates) {
      const subject = subjectOf(JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate);
      if (!subject) continue; // not a stage stack
      for (const invariant of INVARIANTS) {
        const found = invariant.check(subject);
        if (found.length === 0) continue;
        violations.push({
          ruleName: invariant.id,
          description: `${invariant.name}: ${found.map((v) => v.message).join('; ')}`,
          severity: 'error',
          violatingResources: found.map((v) =>
            v.resource
              ? { resourceLogicalId: v.resource, templatePath, locations: [] }
              : { constructPath: stackConstructPath, templatePath, locations: [] },
          ),
        });
      }
    }
    return { success: violations.length === 0, violations };
  }
}
