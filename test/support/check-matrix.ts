/** Runs every invariant, CloudFormation validation and cdk-nag over part of the matrix. */
import { INVARIANTS } from './invariants';
import { Combination, synthChecked } from './matrix';

export function checkMatrix(title: string, combinations: Combination[]): void {
  describe(`${title}: ${combinations.length} combinations × ${INVARIANTS.length} invariants, CloudFormation validation and cdk-nag`, () => {
    test.each(combinations.map((c) => [c.name, c] as const))('%s', (_name, { stage, overrides }) => {
      const subject = synthChecked(stage, overrides);
      const violations = Object.fromEntries(INVARIANTS.map((i) => [i.name, i.check(subject)]).filter(([, found]) => found.length > 0));
      expect({ violations, unacknowledgedFindings: subject.findings }).toEqual({ violations: {}, unacknowledgedFindings: [] });
    });
  });
}
